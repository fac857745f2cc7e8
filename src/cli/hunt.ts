// tracehound hunt PATH... [--rules DIR|FILE]... [--per-event]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, levelOption, parse, say, tableColour, threadsOption, timeOption, usageErrorsFrom } from './args.js';
import { loadPlaceholderDir, loadPlaceholders, loadRules, ruleSetFailures } from '../hunt/load-rules.js';
import { hunt, type Progress } from '../hunt/run.js';
import { RuleSet } from '../sigma/ruleset.js';
import { formatProblem, levelOf } from '../sigma/model.js';
import { FindingBuilder } from '../findings/from-hits.js';
import { playbookStep } from '../knowledge/playbook.js';
import { SEVERITY_RANK, type Finding } from '../findings/model.js';
import { Sink } from '../report/sink.js';
import { correlationRecord, findingWriter, matchRecord, matchWriter } from '../report/records.js';
import { visible } from '../report/text.js';
import { renderHtmlReport, techniqueFromMarkdown, type TechniqueSection } from '../report/html.js';
import { readAttackStore, storeDir } from '../knowledge/attack-store.js';
import { renderMarkdown, techniquePage } from '../knowledge/render.js';
import { reportTime, type ReportSummary } from '../report/summary.js';
import { dataPath, packageRoot } from '../util/package-root.js';
import { CollectionBuilder } from '../audit/collection.js';
import { auditEverything } from '../audit/run.js';
import { MtaCollectionBuilder } from '../audit/mta/collection.js';
import { microsoftRoots } from '../sources/pe/authenticode.js';
import { HuntRecorder, huntTotals } from '../cases/recorder.js';
import { riseFindings, unregisteredAgentFindings } from '../mailflow/findings.js';
import { mailflowConfig } from '../mailflow/config.js';
import { dropCounts, ExclusionList, findingDropped, parseExclusions, RULE_STATUSES, ruleDropped, selectDocuments, type DropReason, type TriageOptions } from '../findings/triage.js';
import { resolveRulePath, RuleStoreError } from '../hunt/rule-store.js';
import { tracehoundHome } from '../util/home.js';
import type { Problem } from '../hunt/run.js';

export const HUNT_HELP = `usage: tracehound hunt PATH... [options]

Read every evidence file under PATH (kind detected from content: EVTX, event XML, JSON, JSON
lines, CSV including Defender exports, Exchange message tracking/agent/SMTP logs and
Get-MessageTrackingLog exports, zip archives), run the Sigma rules and print findings.
Exchange configuration, cmdlet exports, manifests and agent DLLs found among the evidence are
audited as 'tracehound audit' does, and the audit's findings are printed with the others.

  --rules DIR|FILE   rules to run (repeatable; replaces the bundled rules); 'sigma' names the
                     SigmaHQ set 'tracehound rules update' keeps (unless a path 'sigma' exists)
  --per-event        print one record per (rule, event) instead of findings
  --from TIME        ignore events before TIME (e.g. 2024-05-01 or 2024-05-01T12:00:00Z)
  --to TIME          ignore events after TIME (a bare date includes that whole day)
  --fail-on LEVEL    exit 1 when a finding at or above LEVEL exists (among those shown)
  --min-level LEVEL  show only rules and findings at or above LEVEL (informational … critical)
  --rule-status LIST run only rules of these statuses (stable,test,experimental,deprecated,
                     unsupported; comma-separated); a rule without a status runs
  --exclude-rules F  leave out the rules (ids, 8+ character id prefixes, titles) or audit checks
                     listed in YAML file F (repeatable); 'noisy' names the shipped list of rules
                     that fire on routine activity, each with its reason (data/triage/noisy-rules.yaml)
  --summary          print the results summary (counts per severity, top rules and hosts, first
                     and last time) instead of the findings; the table ends with it anyway
  --format F         table (default on a terminal), json, jsonl (default otherwise), csv,
                     timeline (CSV for Timesketch), markdown (for a ticket)
  --html FILE        also write a self-contained HTML report of the findings to FILE
  --org-domain D     a mail domain of the organisation (repeatable); message tracking logs are
                     assembled into messages and judged inside/outside by these and the domains
                     the logs show mail delivered to
  --placeholders F   values for %placeholders% used under |expand (YAML map name -> list);
                     replaces the default, every data/tuning/*.yaml file merged
  --threads N        EVTX decoding threads (0: none; default: the cores less one, at most 3)
  --db FILE          record the hunt and its findings in this case store (default:
                     $TRACEHOUND_HOME/cases.db, else ~/.tracehound/cases.db; see 'tracehound cases')
  --no-db            do not record the hunt in the case store
  --no-rule-cache    parse every rule file again instead of using the parsed rules kept in
                     $TRACEHOUND_HOME/rule-cache (kept per rule content, tuning and version)
  -o, --out FILE     write records to FILE
  --progress         draw the progress line on standard error even when it is not a terminal
  -q, --quiet        no progress or summary on standard error
  -v, --verbose      every decoder problem on standard error (default: one line per file)

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

/** The T1505.002 page of the knowledge pack (with the imported ATT&CK fields, if any); the report's built-in summary when it cannot be made. */
function techniqueForReport(): TechniqueSection | undefined {
  try {
    const page = techniquePage('T1505.002', readAttackStore(storeDir()));
    return page ? techniqueFromMarkdown(renderMarkdown(page)) : undefined;
  } catch {
    return undefined;
  }
}

function toolVersion(): string {
  try { return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version; } catch { return '?'; }
}

/** `--exclude-rules noisy`: the shipped list. */
const NOISY = 'noisy';

function triageOptions(minLevel: string | undefined, status: string | undefined, exclude: string[] | undefined): TriageOptions {
  const opts: TriageOptions = {};
  const level = levelOption(minLevel, '--min-level');
  if (level) opts.minLevel = level;
  if (status !== undefined) {
    const list = status.split(',').map((x) => x.trim()).filter(Boolean);
    const bad = list.find((x) => !(RULE_STATUSES as readonly string[]).includes(x));
    if (bad !== undefined || !list.length) throw new UsageError(`--rule-status takes a comma-separated list of ${RULE_STATUSES.join(', ')}; got '${status}'`);
    opts.statuses = new Set(list);
  }
  if (exclude?.length) {
    const entries = exclude.flatMap((f) => {
      const file = f === NOISY && !existsSync(f) ? dataPath('triage', 'noisy-rules.yaml') : f;
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`--exclude-rules: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
      try { return parseExclusions(text, file); } catch (e) { throw new UsageError(`--exclude-rules: ${(e as Error).message}`); }
    });
    opts.exclude = new ExclusionList(entries);
  }
  return opts;
}

/** Decoder and record problems, one line per file: the first, and how many more (`file:line: message`, as --verbose prints each). */
function problemsByFile(problems: readonly Problem[]): string[] {
  const by = new Map<string, Problem[]>();
  for (const p of problems) by.set(p.file, [...(by.get(p.file) ?? []), p]);
  return [...by].map(([file, ps]) => {
    const first = ps[0]!;
    const more = ps.length > 1 ? ` (and ${ps.length - 1} more in this file; --verbose lists them)` : '';
    return `${visible(file)}${first.line ? `:${first.line}` : ''}: ${visible(first.message)}${more}`;
  });
}

/** What triage left out, in one line (empty when nothing). */
function triageNote(rules: Record<DropReason, number>, audit: Record<DropReason, number>, t: TriageOptions): string {
  const why: Record<DropReason, string> = { level: `below --min-level ${t.minLevel ?? ''}`, status: 'by --rule-status', excluded: 'by --exclude-rules' };
  const part = (n: Record<DropReason, number>, what: string) => (Object.keys(why) as DropReason[]).filter((k) => n[k]).map((k) => `${n[k]} ${what} ${why[k]}`);
  const parts = [...part(rules, 'rules'), ...part(audit, 'audit findings')];
  return parts.length ? `left out: ${parts.join(', ')}` : '';
}

export async function huntCommand(argv: string[]): Promise<number> {
  // The hunt is recorded in the case store (unless --no-db); an exception marks it failed.
  const rec: { r: HuntRecorder | null } = { r: null };
  try {
    return await huntWithRecorder(argv, rec);
  } catch (e) {
    rec.r?.fail(e);
    throw e;
  } finally {
    rec.r?.close();
  }
}

async function huntWithRecorder(argv: string[], rec: { r: HuntRecorder | null }): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    rules: { type: 'string', multiple: true },
    'per-event': { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    placeholders: { type: 'string' },
    'org-domain': { type: 'string', multiple: true },
    html: { type: 'string' },
    threads: { type: 'string' },
    progress: { type: 'boolean' },
    db: { type: 'string' },
    'no-db': { type: 'boolean' },
    'no-rule-cache': { type: 'boolean' },
    'min-level': { type: 'string' },
    'rule-status': { type: 'string' },
    'exclude-rules': { type: 'string', multiple: true },
    summary: { type: 'boolean' },
    verbose: { type: 'boolean', short: 'v' },
  });
  if (values.help) { process.stdout.write(HUNT_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError('hunt needs at least one evidence PATH (file or folder)');
  if (values.html === '') throw new UsageError('--html needs a FILE');
  if (values.html === '-' && (values.out === undefined || values.out === '-')) throw new UsageError('--html - writes the report to standard output: send the records elsewhere with --out FILE');
  const format = formatOption(values.format, values.out !== undefined);
  const failOn = levelOption(values['fail-on'], '--fail-on');
  const from = timeOption(values.from, '--from');
  const to = timeOption(values.to, '--to', true);
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is later than --to');
  const quiet = values.quiet;
  const threads = threadsOption(values.threads);
  if (values.db !== undefined && values['no-db']) throw new UsageError('--db and --no-db cannot be used together');
  const orgDomains = (values['org-domain'] ?? []).map((d) => d.trim().toLowerCase().replace(/^@/, ''));
  for (const d of orgDomains) if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(d)) throw new UsageError(`--org-domain: '${d}' is not a domain name (e.g. contoso.com)`);

  if (values.summary && values['per-event']) throw new UsageError('--summary summarises findings: it cannot be used with --per-event');
  const triage = triageOptions(values['min-level'], values['rule-status'], values['exclude-rules']);
  const rulePaths = values.rules?.length ? await usageErrorsFrom([RuleStoreError], () => values.rules!.map((p) => resolveRulePath(p, tracehoundHome()))) : [join(packageRoot(), 'rules')];
  // --placeholders FILE replaces the tuning shipped in data/tuning/*.yaml (all of it, merged).
  let placeholders;
  try {
    placeholders = values.placeholders ? loadPlaceholders(values.placeholders) : loadPlaceholderDir();
  } catch (e) {
    throw new UsageError(`placeholders: ${(e as Error).message}`);
  }
  const loaded = loadRules(rulePaths, placeholders, { cache: !values['no-rule-cache'] });
  const selected = selectDocuments(loaded.docs, triage);
  const ruleset = new RuleSet(selected);
  const ruleProblems = [...loaded.errors, ...ruleset.problems];
  // one rule can have several problems: count rules, not problems
  const failedRules = new Set([...loaded.errors, ...ruleSetFailures(ruleset)].map((p) => p.doc)).size;
  for (const p of ruleProblems.slice(0, 20)) say(quiet, `tracehound: rule skipped: ${visible(formatProblem(p))}`);
  if (ruleProblems.length > 20) say(quiet, `tracehound: … and ${ruleProblems.length - 20} more rule problems (see 'tracehound rules check')`);
  if (ruleset.rules.length === 0) {
    const left = loaded.docs.length - selected.length;
    process.stderr.write(`tracehound: no rule loaded from ${rulePaths.join(', ')}${left ? ` (${left} left out by --min-level, --rule-status or --exclude-rules)` : ''}\n`);
    return EXIT.usage;
  }
  const rulesLeftOut = dropCounts(loaded.docs.filter((d) => d.type !== 'filter'), (d) => ruleDropped(d.meta, triage));

  rec.r = new HuntRecorder({ db: values.db, disabled: !!values['no-db'], quiet });
  await rec.r.begin({ commandLine: argv, rulePaths, placeholders, evidence: positionals });

  const colour = tableColour(format, values.out);
  // opened now, so a path that cannot be written fails before the hunt rather than after it
  const htmlSink = values.html !== undefined ? new Sink(values.html) : null;
  const sink = new Sink(values.out);
  const warn = (m: string) => say(quiet, `tracehound: ${m}`);
  const perEvent = values['per-event'] ? matchWriter(format, sink, colour, warn) : null;
  const metaByKey = new Map(loaded.docs.flatMap((d) => [d.meta.id, d.meta.name].filter((k): k is string => !!k).map((k) => [k, d.meta] as const)));
  const findings = new FindingBuilder({ ruleByKey: (k) => metaByKey.get(k), playbook: playbookStep });
  let worst = -1;
  const bar = progressBar(!quiet && (!!values.progress || !!process.stderr.isTTY));
  const collection = new CollectionBuilder(microsoftRoots());
  const mta = new MtaCollectionBuilder();
  const summary = await hunt({
    paths: positionals, ruleset, orgDomains, claim: async (path, name) => (await collection.add(path, name)) || mta.add(path, name), ...(threads !== undefined ? { threads } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}),
    onHit: (h) => {
      // a rule kept only because a kept correlation reads it
      if (ruleDropped(h.rule.meta, triage)) return;
      worst = Math.max(worst, SEVERITY_RANK[levelOf(h.rule.meta)]);
      if (perEvent) perEvent.write(matchRecord(h));
      if (!perEvent || htmlSink) findings.add(h);
    },
    onProgress: (p) => bar.update(p),
  });
  bar.done();
  for (const c of summary.correlationHits) {
    if (ruleDropped(c.rule.meta, triage)) continue;
    worst = Math.max(worst, SEVERITY_RANK[levelOf(c.rule.meta)]);
    if (perEvent) perEvent.write(correlationRecord(c));
    if (!perEvent || htmlSink) findings.addCorrelation(c);
  }
  const fullAudit = summary.claimed ? auditEverything(collection.collection, mta.finish(), { orgDomains }) : null;
  const auditLeftOut = dropCounts(fullAudit?.findings ?? [], (f) => findingDropped(f, triage));
  const audit = fullAudit ? { ...fullAudit, findings: fullAudit.findings.filter((f) => !findingDropped(f, triage)) } : null;
  // mail-flow findings about the whole run: daily rises, and agents at work that no collected list registers
  const registered = collection.collection.registries.flatMap((r) => r.agents.map((a) => a.name));
  const mailFindings = summary.mailflow ? [...riseFindings(summary.mailflow, playbookStep), ...unregisteredAgentFindings(summary.mailflow, registered, mailflowConfig(), playbookStep)].filter((f) => !findingDropped(f, triage)) : [];
  for (const f of mailFindings) worst = Math.max(worst, SEVERITY_RANK[f.severity]);
  // what the markdown and HTML reports say about the run
  const report: ReportSummary = {
    inputs: positionals, generated: reportTime(), tool: `tracehound ${toolVersion()}`,
    files: { total: summary.files.total, read: summary.files.read, skipped: summary.skipped.length, unreadable: summary.unreadable.length },
    events: summary.events, eventsByKind: summary.eventsByKind, outsideWindow: summary.outsideWindow,
    ...(values.from !== undefined || values.to !== undefined ? { window: { ...(values.from !== undefined ? { from: values.from } : {}), ...(values.to !== undefined ? { to: values.to } : {}) } } : {}),
    rules: { loaded: ruleset.rules.length, correlations: ruleset.correlations.length, failed: failedRules },
    matches: summary.hits, correlationMatches: summary.correlationHits.length, recordProblems: summary.recordProblems, audited: summary.claimed,
  };
  let findingCount: number | null = null;
  let reported: Finding[] = [];
  if (perEvent) {
    perEvent.end();
    if (htmlSink) reported = [...(audit?.findings ?? []), ...mailFindings, ...findings.findings()];
  } else {
    const w = findingWriter(format, sink, colour, { summary: report, warn, ...(values.summary ? { results: 'only' as const } : {}) });
    for (const f of audit?.findings ?? []) { worst = Math.max(worst, SEVERITY_RANK[f.severity]); w.write(f); }
    for (const f of mailFindings) w.write(f);
    const ruleFindings = findings.findings();
    for (const f of ruleFindings) w.write(f);
    w.end();
    findingCount = (audit?.findings.length ?? 0) + mailFindings.length + ruleFindings.length;
    reported = [...(audit?.findings ?? []), ...mailFindings, ...ruleFindings];
    rec.r.findings(reported);
  }
  if (htmlSink) {
    htmlSink.write(renderHtmlReport(reported, report, { technique: techniqueForReport() }));
    htmlSink.end();
    say(quiet, `tracehound: HTML report of ${reported.length} findings written to ${visible(values.html!)}`);
  }
  for (const p of [...collection.collection.problems, ...mta.collection.problems]) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
  if (audit) say(quiet, `tracehound: audit of ${summary.claimed} Exchange or mail-server configuration, export and DLL files: ${audit.findings.length} findings${perEvent ? ' (not printed with --per-event; run tracehound audit)' : ''}`);

  if (summary.mailflow) {
    const m = summary.mailflow, st = m.stats;
    say(quiet, `tracehound: mail flow: ${st.derived} messages assembled from ${st.events} tracking events (${st.vanished} vanished, ${st.inFlight} still in flight at the end of the logs` +
      `${st.overflow ? `, ${st.overflow} closed early and not judged: more than ${mailflowConfig().maxOpen} open at once` : ''}); organisation domains: ${[...new Set([...orgDomains, ...m.orgDomains])].slice(0, 10).map(visible).join(', ') || 'none known (use --org-domain)'}`);
  }
  for (const u of summary.unreadable) process.stderr.write(`tracehound: ${visible(u.path)}: ${u.reason}\n`);
  const byReason = new Map<string, string[]>();
  for (const s of summary.skipped) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s.path]);
  for (const [reason, paths] of byReason) {
    const shown = paths.slice(0, 3).map(visible).join(', ');
    say(quiet, `tracehound: skipped ${paths.length} file(s), ${reason}: ${shown}${paths.length > 3 ? `, … (${paths.length - 3} more)` : ''}`);
  }
  if (values.verbose) for (const p of summary.problems) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
  else for (const line of problemsByFile(summary.problems)) say(quiet, `tracehound: ${line}`);
  if (summary.recordProblems > summary.problems.length) say(quiet, `tracehound: … and ${summary.recordProblems - summary.problems.length} more record problems`);
  const leftOut = triageNote(rulesLeftOut, auditLeftOut, triage);
  if (leftOut) say(quiet, `tracehound: ${leftOut}`);
  const kinds = Object.entries(summary.eventsByKind).map(([k, n]) => `${k} ${n}`).join(', ');
  say(quiet, `tracehound: ${summary.files.read} of ${summary.files.total} files read, ${summary.skipped.length} skipped; ` +
    `${summary.events} events${kinds ? ` (${kinds})` : ''}${summary.outsideWindow ? `, ${summary.outsideWindow} outside --from/--to` : ''}; ` +
    `${ruleset.rules.length} rules and ${ruleset.correlations.length} correlations loaded, ${failedRules} failed; ` +
    `${summary.hits} matches, ${summary.correlationHits.length} correlation matches; ${summary.recordProblems} unusable records`);
  rec.r.finish(huntTotals(summary, findingCount, {
    rulesLoaded: ruleset.rules.length, rulesFailed: failedRules, ruleProblems: ruleProblems.map((p) => formatProblem(p)),
    auditProblems: [...collection.collection.problems, ...mta.collection.problems].map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`),
  }));
  if (summary.unreadable.length) return EXIT.usage;
  if (failOn && worst >= SEVERITY_RANK[failOn]) return EXIT.findings;
  return EXIT.ok;
}
