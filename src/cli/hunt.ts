// tracehound hunt PATH... [--rules DIR|FILE]... [--per-event]
import { join } from 'node:path';
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, levelOption, parse, say, threadsOption, timeOption } from './args.js';
import { loadPlaceholders, loadRules, ruleSetFailures } from '../hunt/load-rules.js';
import { hunt, type Progress } from '../hunt/run.js';
import { RuleSet } from '../sigma/ruleset.js';
import { formatProblem, levelOf } from '../sigma/model.js';
import { FindingBuilder } from '../findings/from-hits.js';
import { SEVERITY_RANK } from '../findings/model.js';
import { Sink } from '../report/sink.js';
import { correlationRecord, findingWriter, matchRecord, matchWriter } from '../report/records.js';
import { visible } from '../report/text.js';
import { packageRoot } from '../util/package-root.js';
import { CollectionBuilder } from '../audit/collection.js';
import { auditCollection } from '../audit/run.js';
import { microsoftRoots } from '../sources/pe/authenticode.js';

export const HUNT_HELP = `usage: tracehound hunt PATH... [options]

Read every evidence file under PATH (kind detected from content: EVTX, event XML, JSON, JSON
lines, CSV including Defender exports, zip archives), run the Sigma rules and print findings.
Exchange configuration, cmdlet exports, manifests and agent DLLs found among the evidence are
audited as 'tracehound audit' does, and the audit's findings are printed with the others.

  --rules DIR|FILE   rules to run (repeatable; replaces the bundled rules)
  --per-event        print one record per (rule, event) instead of findings
  --from TIME        ignore events before TIME (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)
  --to TIME          ignore events after TIME (a bare date includes that whole day)
  --fail-on LEVEL    exit 1 when a finding at or above LEVEL exists
  --format F         table (default on a terminal), json, jsonl (default otherwise), csv
  --placeholders F   values for %placeholders% used under |expand (YAML map name -> list)
  --threads N        EVTX decoding threads (0: none; default: the cores less one, at most 3)
  -o, --out FILE     write records to FILE
  -q, --quiet        no progress or summary on standard error

Exit status: 0 done, 1 findings at or above --fail-on, 2 usage error, no rule loaded, or an
input path that cannot be read.`;

function progressBar(enabled: boolean) {
  let last = 0;
  return {
    update(p: Progress) {
      if (!enabled) return;
      const now = Date.now();
      if (now - last < 200 && p.filesDone < p.filesTotal) return;
      last = now;
      const w = 24, frac = p.filesTotal ? p.filesDone / p.filesTotal : 1;
      const bar = '#'.repeat(Math.round(frac * w)).padEnd(w, '.');
      process.stderr.write(`\r[${bar}] ${p.filesDone}/${p.filesTotal} files, ${p.events.toLocaleString('en')} events\x1b[K`);
    },
    done() { if (enabled && last) process.stderr.write('\r\x1b[K'); },
  };
}

export async function huntCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    rules: { type: 'string', multiple: true },
    'per-event': { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    placeholders: { type: 'string' },
    html: { type: 'string' },
    threads: { type: 'string' },
  });
  if (values.help) { process.stdout.write(HUNT_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError('hunt needs at least one evidence PATH (file or folder)');
  if (values.html !== undefined) throw new UsageError('--html reports are not available in this version yet');
  const format = formatOption(values.format, values.out !== undefined);
  const failOn = levelOption(values['fail-on'], '--fail-on');
  const from = timeOption(values.from, '--from');
  const to = timeOption(values.to, '--to', true);
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is later than --to');
  const quiet = values.quiet;
  const threads = threadsOption(values.threads);

  const rulePaths = values.rules?.length ? values.rules : [join(packageRoot(), 'rules')];
  const placeholders = values.placeholders ? loadPlaceholders(values.placeholders) : undefined;
  const loaded = loadRules(rulePaths, placeholders);
  const ruleset = new RuleSet(loaded.docs);
  const ruleProblems = [...loaded.errors, ...ruleset.problems];
  // one rule can have several problems: count rules, not problems
  const failedRules = new Set([...loaded.errors, ...ruleSetFailures(ruleset)].map((p) => p.doc)).size;
  for (const p of ruleProblems.slice(0, 20)) say(quiet, `tracehound: rule skipped: ${visible(formatProblem(p))}`);
  if (ruleProblems.length > 20) say(quiet, `tracehound: … and ${ruleProblems.length - 20} more rule problems (see 'tracehound rules check')`);
  if (ruleset.rules.length === 0) {
    process.stderr.write(`tracehound: no rule loaded from ${rulePaths.join(', ')}\n`);
    return EXIT.usage;
  }

  const colour = format === 'table' && values.out === undefined && !!process.stdout.isTTY && !process.env['NO_COLOR'];
  const sink = new Sink(values.out);
  const perEvent = values['per-event'] ? matchWriter(format, sink, colour) : null;
  const metaByKey = new Map(loaded.docs.flatMap((d) => [d.meta.id, d.meta.name].filter((k): k is string => !!k).map((k) => [k, d.meta] as const)));
  const findings = new FindingBuilder({ ruleByKey: (k) => metaByKey.get(k) });
  let worst = -1;
  const bar = progressBar(!quiet && !!process.stderr.isTTY);
  const collection = new CollectionBuilder(microsoftRoots());
  const summary = await hunt({
    paths: positionals, ruleset, claim: (path, name) => collection.add(path, name), ...(threads !== undefined ? { threads } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
    onHit: (h) => {
      worst = Math.max(worst, SEVERITY_RANK[levelOf(h.rule.meta)]);
      if (perEvent) perEvent.write(matchRecord(h));
      else findings.add(h);
    },
    onProgress: (p) => bar.update(p),
  });
  bar.done();
  for (const c of summary.correlationHits) {
    worst = Math.max(worst, SEVERITY_RANK[levelOf(c.rule.meta)]);
    if (perEvent) perEvent.write(correlationRecord(c));
    else findings.addCorrelation(c);
  }
  const audit = summary.claimed ? auditCollection(collection.collection) : null;
  if (perEvent) perEvent.end();
  else {
    const w = findingWriter(format, sink, colour);
    for (const f of audit?.findings ?? []) { worst = Math.max(worst, SEVERITY_RANK[f.severity]); w.write(f); }
    for (const f of findings.findings()) w.write(f);
    w.end();
  }
  for (const p of collection.collection.problems) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
  if (audit) say(quiet, `tracehound: audit of ${summary.claimed} Exchange configuration, export and DLL files: ${audit.findings.length} findings${perEvent ? ' (not printed with --per-event; run tracehound audit)' : ''}`);

  for (const u of summary.unreadable) process.stderr.write(`tracehound: ${visible(u.path)}: ${u.reason}\n`);
  const byReason = new Map<string, string[]>();
  for (const s of summary.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.path]);
  for (const [reason, paths] of byReason) {
    const shown = paths.slice(0, 3).map(visible).join(', ');
    say(quiet, `tracehound: skipped ${paths.length} file(s), ${reason}: ${shown}${paths.length > 3 ? `, … (${paths.length - 3} more)` : ''}`);
  }
  for (const p of summary.problems) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
  if (summary.recordProblems > summary.problems.length) say(quiet, `tracehound: … and ${summary.recordProblems - summary.problems.length} more record problems`);
  const kinds = Object.entries(summary.eventsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
  say(quiet, `tracehound: ${summary.files.read} of ${summary.files.total} files read, ${summary.skipped.length} skipped; ` +
    `${summary.events} events${kinds ? ` (${kinds})` : ''}${summary.outsideWindow ? `, ${summary.outsideWindow} outside --from/--to` : ''}; ` +
    `${ruleset.rules.length} rules and ${ruleset.correlations.length} correlations loaded, ${failedRules} failed; ` +
    `${summary.hits} matches, ${summary.correlationHits.length} correlation matches; ${summary.recordProblems} unusable records`);
  if (summary.unreadable.length) return EXIT.usage;
  if (failOn && worst >= SEVERITY_RANK[failOn]) return EXIT.findings;
  return EXIT.ok;
}
