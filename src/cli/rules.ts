// tracehound rules check DIR|FILE...
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, parse, say } from './args.js';
import { docKey, loadPlaceholders, loadRules, ruleSetFailures, type LoadProblem } from '../hunt/load-rules.js';
import { RuleSet } from '../sigma/ruleset.js';
import { formatProblem, type RuleProblem } from '../sigma/model.js';
import { Sink } from '../report/sink.js';
import { csvRow } from '../report/csv.js';
import { visible } from '../report/text.js';

export const RULES_HELP = `usage: tracehound rules check DIR|FILE... [--format table|json|jsonl|csv] [--strict] [--placeholders FILE]

Parse and validate Sigma rules (specification v2.1.0): detection rules, correlation rules and
filters. Every problem is reported with file:line:col and the rule id.

  --format json     one summary: {"total","ok","failed":[{"path","rule_id","error",...}],"warnings":[...]}
  --strict          exit 1 when any rule failed (default: exit 0 when at least one rule loaded)
  --placeholders F  values for %placeholders% used under |expand (YAML map name -> list)
  -o, --out FILE    write to FILE instead of standard output
  -q, --quiet       no summary on standard error`;

interface Failed { path: string; rule_id: string | null; error: string; line?: number; col?: number; errors?: string[] }

function failed(p: RuleProblem): Failed {
  const f: Failed = { path: p.path, rule_id: p.rule_id ?? null, error: formatProblem(p) };
  if (p.line !== undefined) { f.line = p.line; f.col = p.col ?? 1; }
  return f;
}

/** One entry per failed document: the first problem, and every problem under `errors` when there are several. */
function failedDocs(problems: LoadProblem[]): Failed[] {
  const byDoc = new Map<string, Failed>();
  for (const p of problems) {
    const f = byDoc.get(p.doc);
    if (!f) { byDoc.set(p.doc, failed(p)); continue; }
    (f.errors ??= [f.error]).push(formatProblem(p));
  }
  return [...byDoc.values()];
}

export async function rulesCommand(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '--help' || sub === '-h') { process.stdout.write(RULES_HELP + '\n'); return sub ? EXIT.ok : EXIT.usage; }
  if (sub !== 'check') throw new UsageError(`unknown rules subcommand '${sub}' (available: check)`);
  const { values, positionals } = parse(argv.slice(1), { ...COMMON_OPTIONS, strict: { type: 'boolean' }, placeholders: { type: 'string' } });
  if (values.help) { process.stdout.write(RULES_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError('rules check needs at least one rule file or folder');
  const format = formatOption(values.format, values.out !== undefined);
  const placeholders = values.placeholders ? loadPlaceholders(values.placeholders) : undefined;
  const loaded = loadRules(positionals, placeholders);
  const rs = new RuleSet(loaded.docs);
  const problems = [...loaded.errors, ...rs.problems];
  // Documents that failed: parse errors, plus loaded documents the rule set could not use.
  const setFailures = ruleSetFailures(rs);
  const badDocs = new Set(setFailures.map((p) => p.doc));
  const ok = loaded.docs.filter((d) => !badDocs.has(docKey(d))).length;
  const summary = {
    total: loaded.total, ok,
    failed: failedDocs([...loaded.errors, ...setFailures]),
    warnings: loaded.warnings.map(failed),
  };
  const sink = new Sink(values.out);
  if (format === 'json') sink.write(JSON.stringify(summary, null, 2) + '\n');
  else if (format === 'jsonl') for (const f of summary.failed) sink.write(JSON.stringify(f) + '\n');
  else if (format === 'csv') {
    sink.write(csvRow(['path', 'line', 'col', 'rule_id', 'error']));
    for (const f of summary.failed) sink.write(csvRow([f.path, f.line, f.col, f.rule_id, f.error]));
  } else {
    for (const f of summary.failed) for (const e of f.errors ?? [f.error]) sink.write(`FAIL  ${visible(e)}\n`);
    for (const w of summary.warnings) sink.write(`warn  ${visible(w.error)}\n`);
    sink.write(`${summary.total} rules: ${summary.ok} ok, ${summary.failed.length} failed, ${summary.warnings.length} warnings\n`);
  }
  sink.end();
  if (format !== 'table') say(values.quiet, `tracehound: ${summary.total} rules: ${summary.ok} ok, ${summary.failed.length} failed, ${summary.warnings.length} warnings`);
  if (loaded.unreadable.length || ok === 0) return EXIT.usage;
  return values.strict && problems.length ? EXIT.findings : EXIT.ok;
}
