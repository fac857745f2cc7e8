// tracehound rules check DIR|FILE...
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, parse, say } from './args.js';
import { docKey, loadPlaceholderDir, loadPlaceholders, loadRules, ruleSetFailures, type LoadProblem } from '../hunt/load-rules.js';
import { RuleSet } from '../sigma/ruleset.js';
import { formatProblem, type RuleProblem } from '../sigma/model.js';
import { Sink } from '../report/sink.js';
import { csvRow } from '../report/csv.js';
import { visible } from '../report/text.js';

export const RULES_HELP = `usage: tracehound rules check DIR|FILE... [--format table|json|jsonl|csv] [--strict] [--placeholders FILE]
       tracehound rules convert --to kql|spl|esql|eql|sql DIR|FILE... (see 'tracehound rules convert --help')
       tracehound rules update [--package NAME] [--from URL|FILE] [--sha256 HEX] (see 'tracehound rules update --help')

Parse and validate Sigma rules (specification v2.1.0): detection rules, correlation rules and
filters. Every problem is reported with file:line:col and the rule id.

  --format json     one summary: {"total","ok","failed":[{"path","rule_id","error",...}],"warnings":[...]}
  --strict          exit 1 when any rule failed (default: exit 0 when at least one rule loaded)
  --placeholders F  values for %placeholders% used under |expand (YAML map name -> list);
                    replaces the default, every data/tuning/*.yaml file merged
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
  if (sub === 'convert') return convertCommand(argv.slice(1));
  if (sub === 'update') return (await import('./rules-update.js')).updateCommand(argv.slice(1));
  if (sub !== 'check') throw new UsageError(`unknown rules subcommand '${sub}' (available: check, convert, update)`);
  const { values, positionals } = parse(argv.slice(1), { ...COMMON_OPTIONS, strict: { type: 'boolean' }, placeholders: { type: 'string' } });
  if (values.help) { process.stdout.write(RULES_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError('rules check needs at least one rule file or folder');
  const format = formatOption(values.format, values.out !== undefined);
  // As in hunt: --placeholders FILE replaces the tuning shipped in data/tuning/*.yaml.
  let placeholders;
  try {
    placeholders = values.placeholders ? loadPlaceholders(values.placeholders) : loadPlaceholderDir();
  } catch (e) {
    throw new UsageError(`placeholders: ${(e as Error).message}`);
  }
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

// ---------------------------------------------------------------------------------------------
// tracehound rules convert

export const CONVERT_HELP = `usage: tracehound rules convert --to kql|spl|esql|eql|sql DIR|FILE... [options]

Compile Sigma rules (and correlation rules, filters applied) into SIEM queries, one per rule. A rule
the target cannot express exactly is reported with the reason, never converted approximately.

  --to TARGET       kql (Defender XDR / Sentinel), spl (Splunk), esql (Elastic ES|QL), eql (Elastic
                    EQL), sql (tracehound's exported event table; see 'tracehound export')
  --dialect D       sql only: duckdb (default) or sqlite
  --mapping FILE    field and logsource mapping to use instead of data/backends/<target>.yaml
  --format F        jsonl (default when not a terminal): {"rule_id","title","target","query"} or
                    {"rule_id","title","target","error"} per rule; json: one document with a summary;
                    table: one line per rule; text: a query pack (every query under a comment)
  --pack            the same as --format text
  --placeholders F  values for %placeholders% used under |expand (default: data/tuning/*.yaml)
  -o, --out FILE    write to FILE instead of standard output
  -q, --quiet       no summary on standard error

Exit status 0 when at least one rule converted, 2 when none did or a path cannot be read.`;

const CONVERT_FORMATS = ['jsonl', 'json', 'table', 'text'] as const;

export async function convertCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS, to: { type: 'string' }, dialect: { type: 'string' }, mapping: { type: 'string' },
    pack: { type: 'boolean' }, placeholders: { type: 'string' },
  });
  if (values.help) { process.stdout.write(CONVERT_HELP + '\n'); return EXIT.ok; }
  const { TARGETS, convertDocuments, makeBackend, queryPack } = await import('../sigma/backends/index.js');
  const target = values.to;
  if (!target || !(TARGETS as readonly string[]).includes(target)) throw new UsageError(`rules convert needs --to ${TARGETS.join('|')}${target ? `; got '${target}'` : ''}`);
  if (values.dialect !== undefined && target !== 'sql') throw new UsageError('--dialect applies to --to sql only');
  if (positionals.length === 0) throw new UsageError('rules convert needs at least one rule file or folder');
  const fmt = values.pack ? 'text' : values.format ?? (process.stdout.isTTY && values.out === undefined ? 'table' : 'jsonl');
  if (!(CONVERT_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`--format must be one of ${CONVERT_FORMATS.join(', ')}; got '${fmt}'`);
  let placeholders;
  try {
    placeholders = values.placeholders ? loadPlaceholders(values.placeholders) : loadPlaceholderDir();
  } catch (e) {
    throw new UsageError(`placeholders: ${(e as Error).message}`);
  }
  let backend;
  try {
    backend = await makeBackend(target as import('../sigma/backends/index.js').Target, { ...(values.dialect ? { dialect: values.dialect } : {}), ...(values.mapping ? { mapping: values.mapping } : {}) });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const loaded = loadRules(positionals, placeholders);
  const convs = convertDocuments(loaded.docs, backend);
  const ok = convs.filter((c) => c.query !== undefined).length;
  const failed = convs.length - ok;
  const sink = new Sink(values.out);
  const record = (c: (typeof convs)[number]) => (c.query !== undefined
    ? { rule_id: c.rule_id, title: c.title, target: c.target, query: c.query }
    : { rule_id: c.rule_id, title: c.title, target: c.target, error: c.error });
  if (fmt === 'jsonl') for (const c of convs) sink.write(JSON.stringify(record(c)) + '\n');
  else if (fmt === 'json') {
    const reasons: Record<string, number> = {};
    for (const c of convs) if (c.reason) reasons[c.reason] = (reasons[c.reason] ?? 0) + 1;
    sink.write(JSON.stringify({ target, flavour: backend.flavour, total: convs.length, converted: ok, failed, reasons, load_errors: loaded.errors.length, rules: convs.map(record) }, null, 2) + '\n');
  } else if (fmt === 'table') {
    for (const c of convs) sink.write(`${c.query !== undefined ? 'ok  ' : 'FAIL'}  ${(c.rule_id ?? '-').padEnd(36)}  ${visible(c.title)}${c.error ? `: ${visible(c.error)}` : ''}\n`);
    sink.write(`${convs.length} rules: ${ok} converted to ${target}, ${failed} not\n`);
  } else {
    sink.write(queryPack(backend, convs, [`tracehound rules convert --to ${target}${target === 'sql' ? ` --dialect ${backend.flavour}` : ''}`, `${ok} queries; ${failed} rule(s) not converted`]));
  }
  sink.end();
  for (const p of loaded.errors) say(values.quiet, `tracehound: ${formatProblem(p)}`);
  if (fmt !== 'table') say(values.quiet, `tracehound: ${convs.length} rules: ${ok} converted to ${target}, ${failed} not${loaded.errors.length ? `; ${loaded.errors.length} rule file problem(s)` : ''}`);
  if (loaded.unreadable.length || ok === 0) return EXIT.usage;
  return EXIT.ok;
}
