// tracehound cases list|show|set|note|export|hunts: the case store (src/cases/) from the command line.
import { userInfo } from 'node:os';
import { EXIT, UsageError, formatOption, levelOption, parse, say, tableColour, usageErrorsFrom } from './args.js';
import {
  CaseStoreError, STATES, defaultCaseStorePath, openCaseStore, parseState,
  type CaseRecord, type CaseStore, type FindingFilter, type FindingRow, type HuntDetail, type HuntRecord,
} from '../cases/store.js';
import { Sink } from '../report/sink.js';
import { recordWriter, type Format } from '../report/records.js';
import { COLOURS, visible, type Column } from '../report/text.js';
import type { EvidenceRef } from '../findings/model.js';

export const CASES_HELP = `usage: tracehound cases <command> [options]

The case store keeps every hunt ('tracehound hunt' records into it unless --no-db), the findings
it found (one row per finding id: a later hunt of the same evidence updates the finding, never
duplicates it), each finding's triage state with the history of changes, and notes.

commands:
  list [filters]               findings with their triage state, most severe first
  show ID                      a finding with its triage history, notes, playbook ticks and hunts
  set ID STATE [--note TEXT]   set the triage state: ${STATES.join(', ')}
  note ID TEXT                 add a note to a finding
  export [filters]             every finding with its triage, history and notes (json, jsonl, csv)
  hunts [N]                    the hunts, newest first, with their status; N: one hunt and its inputs

filters (list, export):
  --state S          triage state
  --severity LEVEL   at least this severity (informational, low, medium, high, critical)
  --host H           host name (case-insensitive; a short name matches its FQDN too)
  --rule R           rule id of rule findings, or check of audit findings
  --technique T      ATT&CK technique (e.g. T1505.002)
  --hunt N           findings seen by hunt N
  --from TIME        findings whose last event is at or after TIME
  --to TIME          findings whose first event is at or before TIME
  --limit N, --offset N

options:
  --db FILE          the case store (default: $TRACEHOUND_HOME/cases.db, else ~/.tracehound/cases.db)
  --analyst NAME     who makes a change (default: $USER)
  --format F         table (default on a terminal; list, show, hunts), json, jsonl (default otherwise), csv
  -o, --out FILE     write records to FILE
  -q, --quiet        no messages on standard error

ID is a finding id or a unique start of one (at least 6 characters).
Exit status: 0 done, 2 usage error, no case store, unknown or ambiguous id, or bad state.`;

const BASE = {
  db: { type: 'string' },
  analyst: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string', short: 'o' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FILTERS = {
  state: { type: 'string' },
  severity: { type: 'string' },
  host: { type: 'string' },
  rule: { type: 'string' },
  technique: { type: 'string' },
  hunt: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
} as const;

const CASES_FORMATS = ['table', 'json', 'jsonl', 'csv'] as const satisfies readonly Format[];
type CasesFormat = (typeof CASES_FORMATS)[number];

function wholeNumber(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,15}$/.test(v)) throw new UsageError(`${name} must be a whole number; got '${v}'`);
  return Number(v);
}

function timeArg(v: string | undefined, name: string, endOfDay: boolean): number | undefined {
  if (v === undefined) return undefined;
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(v.trim());
  const t = Date.parse(bare ? `${v.trim()}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new UsageError(`${name} must be a date or time such as 2024-05-01 or 2024-05-01T12:00:00Z; got '${v}'`);
  return bare && endOfDay ? t + 86_400_000 - 1 : t;
}

function filterOf(v: Partial<Record<keyof typeof FILTERS, string>>): FindingFilter {
  const f: FindingFilter = {};
  if (v.state !== undefined) f.state = parseState(v.state);
  const sev = levelOption(v.severity, '--severity');
  if (sev) f.severity = sev;
  if (v.host !== undefined) f.host = v.host;
  if (v.rule !== undefined) f.ruleOrCheck = v.rule;
  if (v.technique !== undefined) f.technique = v.technique;
  const hunt = wholeNumber(v.hunt, '--hunt');
  if (hunt !== undefined) f.huntId = hunt;
  const from = timeArg(v.from, '--from', false);
  const to = timeArg(v.to, '--to', true);
  if (from !== undefined) f.from = from;
  if (to !== undefined) f.to = to;
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is later than --to');
  const limit = wholeNumber(v.limit, '--limit');
  const offset = wholeNumber(v.offset, '--offset');
  if (limit !== undefined) f.limit = limit;
  if (offset !== undefined) f.offset = offset;
  return f;
}

/** --analyst, else $USER ($USERNAME on Windows), else the account name. */
function analystOf(v: string | undefined): string {
  if (v !== undefined) return v;
  const env = process.env['USER'] || process.env['USERNAME'] || process.env['LOGNAME'];
  if (env) return env;
  try { return userInfo().username; } catch { throw new UsageError('no analyst name: give --analyst NAME'); }
}

function expectPositionals(pos: string[], n: number, usage: string): void {
  if (pos.length < n) throw new UsageError(`usage: tracehound cases ${usage}`);
  if (pos.length > n) throw new UsageError(`unexpected argument '${pos[n]}' (usage: tracehound cases ${usage})`);
}

function where(r: EvidenceRef): string {
  return r.record !== undefined ? `${r.file}#${r.record}` : r.line !== undefined ? `${r.file}:${r.line}` : r.file;
}

const severityColour = (colour: boolean) => (colour ? (r: { severity: string }) => COLOURS[r.severity as keyof typeof COLOURS] : undefined);

function listWriter(format: CasesFormat, sink: Sink, colour: boolean) {
  const width = Math.max(80, process.stdout.columns ?? 160);
  const columns: Column<FindingRow>[] = [
    { title: 'ID', width: 16, get: (r) => r.id },
    { title: 'STATE', width: 13, get: (r) => r.state },
    { title: 'SEVERITY', width: 9, get: (r) => r.severity },
    { title: 'SCORE', width: 5, get: (r) => String(r.score) },
    { title: 'COUNT', width: 6, get: (r) => String(r.count) },
    { title: 'LAST SEEN', width: 24, get: (r) => r.last_seen ?? '' },
    { title: 'HOST', width: 18, get: (r) => r.host ?? '' },
    { title: 'FINDING', width: Math.max(20, width - 16 - 13 - 9 - 5 - 6 - 24 - 18 - 14), get: (r) => r.title + (r.notes ? ` [${r.notes} note${r.notes > 1 ? 's' : ''}]` : '') },
  ];
  const sev = severityColour(colour);
  return recordWriter<FindingRow>(format, sink, [
    ['id', (r) => r.id], ['state', (r) => r.state], ['state_changed_at', (r) => r.state_changed_at], ['title', (r) => r.title],
    ['severity', (r) => r.severity], ['confidence', (r) => r.confidence], ['score', (r) => r.score], ['techniques', (r) => r.techniques.join(' ')],
    ['host', (r) => r.host], ['first_seen', (r) => r.first_seen], ['last_seen', (r) => r.last_seen], ['count', (r) => r.count],
    ['rule_id', (r) => r.rule_id], ['check', (r) => r.check], ['notes', (r) => r.notes], ['hunts', (r) => r.hunts], ['last_hunt', (r) => r.last_hunt],
  ], { columns, ...(sev ? { colour: sev } : {}) });
}

const EXPORT_CSV: [string, (r: CaseRecord) => unknown][] = [
  ['id', (r) => r.id], ['title', (r) => r.title], ['severity', (r) => r.severity], ['confidence', (r) => r.confidence], ['score', (r) => r.score],
  ['techniques', (r) => r.techniques.join(' ')], ['host', (r) => r.host], ['first_seen', (r) => r.first_seen], ['last_seen', (r) => r.last_seen],
  ['count', (r) => r.count], ['rule_id', (r) => r.rule_id], ['check', (r) => r.check], ['state', (r) => r.case.state],
  ['state_changed_at', (r) => r.case.state_changed_at], ['state_analyst', (r) => r.case.state_analyst], ['history', (r) => r.case.history],
  ['notes', (r) => r.case.notes], ['steps', (r) => r.case.steps], ['hunts', (r) => r.case.hunts.map((h) => h.hunt_id).join(' ')],
  ['evidence', (r) => r.evidence.map(where).join(' ')], ['fields', (r) => r.fields],
];

function caseWriter(format: Exclude<CasesFormat, 'table'>, sink: Sink) {
  return recordWriter<CaseRecord>(format, sink, EXPORT_CSV, { columns: [] });
}

function huntsWriter(format: CasesFormat, sink: Sink) {
  const width = Math.max(80, process.stdout.columns ?? 160);
  const n = (v: number | null) => (v === null ? '-' : String(v));
  const columns: Column<HuntRecord>[] = [
    { title: 'HUNT', width: 5, get: (h) => String(h.id) },
    { title: 'STATUS', width: 10, get: (h) => h.status },
    { title: 'STARTED', width: 24, get: (h) => h.started_at },
    { title: 'FINISHED', width: 24, get: (h) => h.finished_at ?? '' },
    { title: 'FILES', width: 6, get: (h) => n(h.files_read) },
    { title: 'EVENTS', width: 9, get: (h) => n(h.events) },
    { title: 'MATCHES', width: 7, get: (h) => n(h.matches) },
    { title: 'FINDINGS', width: 8, get: (h) => (h.findings === null ? `(${h.findings_recorded})` : String(h.findings)) },
    { title: 'RULES', width: 12, get: (h) => h.ruleset_version?.slice(0, 12) ?? '' },
    { title: 'COMMAND', width: Math.max(20, width - 5 - 10 - 24 - 24 - 6 - 9 - 7 - 8 - 12 - 18), get: (h) => `hunt ${h.command_line.join(' ')}${h.error ? `  (${h.error})` : ''}` },
  ];
  const colour = process.stdout.isTTY && !process.env['NO_COLOR'] ? (h: HuntRecord) => (h.status === 'failed' || h.status === 'incomplete' ? COLOURS.high : undefined) : undefined;
  return recordWriter<HuntRecord>(format, sink, [
    ['id', (h) => h.id], ['status', (h) => h.status], ['started_at', (h) => h.started_at], ['finished_at', (h) => h.finished_at],
    ['tool_version', (h) => h.tool_version], ['ruleset_version', (h) => h.ruleset_version], ['command_line', (h) => h.command_line],
    ['pid', (h) => h.pid], ['host_name', (h) => h.host_name], ['files_total', (h) => h.files_total], ['files_read', (h) => h.files_read],
    ['events', (h) => h.events], ['matches', (h) => h.matches], ['findings', (h) => h.findings], ['findings_recorded', (h) => h.findings_recorded],
    ['error', (h) => h.error], ['problems', (h) => h.problems],
  ], { columns, ...(colour ? { colour } : {}) });
}

/** A finding and its case as text for the terminal (every value made visible). */
function showText(r: CaseRecord): string {
  const v = (s: unknown) => visible(String(s ?? ''));
  const block = (text: string, indent: string) => text.split(/\r?\n/).map((l) => indent + visible(l)).join('\n');
  const c = r.case;
  const out: string[] = [];
  out.push(`${v(r.id)}  ${v(r.severity)}  score ${r.score}  confidence ${v(r.confidence)}  state ${c.state}${c.state_changed_at ? ` (${v(c.state_analyst)}, ${c.state_changed_at})` : ''}`);
  out.push(v(r.title));
  out.push(`host: ${v(r.host ?? '-')}   ${r.rule_id ? `rule: ${v(r.rule_id)}` : `check: ${v(r.check ?? '-')}`}   techniques: ${v(r.techniques.join(', ') || '-')}`);
  out.push(`seen: ${v(r.first_seen ?? '-')} .. ${v(r.last_seen ?? '-')}, ${r.count} time${r.count === 1 ? '' : 's'}`);
  if (r.description) out.push('', block(r.description.trim(), ''));
  out.push('', 'evidence:');
  for (const e of r.evidence) out.push(`  ${v(where(e))}`);
  if (r.count > r.evidence.length) out.push(`  … (${r.count - r.evidence.length} more events)`);
  const fields = Object.entries(r.fields ?? {});
  if (fields.length) {
    out.push('', 'fields:');
    for (const [k, val] of fields) out.push(`  ${v(k)}: ${v(typeof val === 'string' ? val : JSON.stringify(val))}`);
  }
  if (r.playbook?.length) {
    out.push('', 'playbook:');
    const ticks = new Map(c.steps.map((s) => [s.step_id, s]));
    for (const s of r.playbook) {
      const t = ticks.get(s.id);
      out.push(`  [${t?.done ? 'x' : ' '}] ${v(s.id)}: ${v(s.title)}${t ? `  (${t.done ? 'done' : 'undone'} by ${v(t.analyst)}, ${t.at})` : ''}`);
    }
  }
  out.push('', 'triage history:');
  if (!c.history.length) out.push('  (none: new)');
  for (const h of c.history) {
    out.push(`  ${h.at}  ${v(h.analyst)}  ${h.from} -> ${h.to}`);
    if (h.note) out.push(block(h.note, '      '));
  }
  out.push('', 'notes:');
  if (!c.notes.length) out.push('  (none)');
  for (const n of c.notes) { out.push(`  ${n.at}  ${v(n.analyst)}`); out.push(block(n.text, '      ')); }
  out.push('', 'hunts:');
  for (const h of c.hunts) out.push(`  ${h.hunt_id}  ${h.started_at}  ${h.status}  count ${h.count}  ${v(h.first_seen ?? '-')} .. ${v(h.last_seen ?? '-')}`);
  out.push(`recorded ${c.recorded_at}, last updated by a hunt ${c.updated_at}`);
  return out.join('\n') + '\n';
}

function huntText(h: HuntDetail): string {
  const n = (x: number | null) => (x === null ? '-' : String(x));
  const out = [
    `hunt ${h.id}  ${h.status}  started ${h.started_at}${h.finished_at ? `  finished ${h.finished_at}` : ''}`,
    `command: tracehound hunt ${visible(h.command_line.join(' '))}`,
    `tracehound ${visible(h.tool_version)}, rule set ${h.ruleset_version ?? '-'}, pid ${h.pid} on ${visible(h.host_name)}`,
    `files ${n(h.files_read)} of ${n(h.files_total)} read, ${n(h.events)} events, ${n(h.matches)} matches, ${n(h.findings)} findings (${h.findings_recorded} recorded)`,
  ];
  if (h.error) out.push(`error: ${visible(h.error)}`);
  out.push('', 'inputs:');
  for (const i of h.inputs) out.push(`  ${i.sha256 ?? '-'.padEnd(64)}  ${String(i.size ?? '-').padStart(12)}  ${visible(i.path)}${i.error ? `  (${visible(i.error)})` : ''}`);
  if (h.problems) out.push('', `problems: ${visible(JSON.stringify(h.problems))}`);
  return out.join('\n') + '\n';
}

export async function casesCommand(argv: string[]): Promise<number> {
  // unknown or ambiguous id, bad state, no store, a newer schema, a note too long: usage errors (exit 2)
  return usageErrorsFrom([CaseStoreError], () => cases(argv));
}

async function cases(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
    process.stdout.write(CASES_HELP + '\n');
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const commands = ['list', 'show', 'set', 'note', 'export', 'hunts'];
  if (!commands.includes(sub)) throw new UsageError(`unknown cases command '${sub}' (one of ${commands.join(', ')}). Run 'tracehound cases --help'.`);
  const withFilters = sub === 'list' || sub === 'export';
  const { values, positionals } = parse(rest, sub === 'set' ? { ...BASE, note: { type: 'string' } } : withFilters ? { ...BASE, ...FILTERS } : BASE);
  const opts = values as Record<string, string | boolean | undefined>;
  if (opts['help']) { process.stdout.write(CASES_HELP + '\n'); return EXIT.ok; }
  const str = (k: string) => opts[k] as string | undefined;
  const quiet = !!opts['quiet'];
  const out = str('out');

  // Check the arguments before opening the store.
  let filter: FindingFilter = {};
  let format: CasesFormat = 'jsonl';
  switch (sub) {
    case 'list': expectPositionals(positionals, 0, 'list [filters]'); filter = filterOf(opts as Record<string, string>); format = formatOption(str('format'), out !== undefined, CASES_FORMATS); break;
    case 'export': expectPositionals(positionals, 0, 'export [filters] [--format json|jsonl|csv] [--out FILE]'); filter = filterOf(opts as Record<string, string>); format = formatOption(str('format'), true, ['json', 'jsonl', 'csv']); break;
    case 'show': expectPositionals(positionals, 1, 'show ID'); format = formatOption(str('format'), out !== undefined, CASES_FORMATS); break;
    case 'hunts': if (positionals.length > 1) expectPositionals(positionals, 1, 'hunts [N]'); format = formatOption(str('format'), out !== undefined, CASES_FORMATS); break;
    case 'set': expectPositionals(positionals, 2, `set ID STATE [--note TEXT]   (STATE: ${STATES.join(', ')})`); parseState(positionals[1]!); break;
    case 'note': if (positionals.length < 2) expectPositionals(positionals, 2, 'note ID TEXT'); break;
  }
  const huntNo = sub === 'hunts' && positionals[0] !== undefined ? wholeNumber(positionals[0], 'hunt number') : undefined;
  const analyst = sub === 'set' || sub === 'note' ? analystOf(str('analyst')) : '';

  const store: CaseStore = openCaseStore(str('db') ?? defaultCaseStorePath(), { mustExist: true });
  try {
    for (const r of store.recovered) say(quiet, `tracehound: hunt ${r.id} was left running: ${r.reason}; marked incomplete`);
    const colour = tableColour(format, out);
    switch (sub) {
      case 'list': {
        const sink = new Sink(out);
        const w = listWriter(format, sink, colour);
        const rows = store.listFindings(filter);
        for (const r of rows) w.write(r);
        w.end();
        say(quiet, `tracehound: ${rows.length} finding${rows.length === 1 ? '' : 's'} (${store.path})`);
        return EXIT.ok;
      }
      case 'export': {
        const sink = new Sink(out);
        const w = caseWriter(format as Exclude<CasesFormat, 'table'>, sink);
        const bad: string[] = [];
        const n = store.export((r) => w.write(r), filter, (id) => bad.push(id));
        w.end();
        say(quiet, `tracehound: exported ${n} finding${n === 1 ? '' : 's'} with their triage${out ? ` to ${out}` : ''}`);
        if (!bad.length) return EXIT.ok;
        process.stderr.write(`tracehound: the case store ${store.path} is damaged: ${bad.length} finding${bad.length === 1 ? '' : 's'} could not be read: ${bad.join(', ')}\n`);
        return EXIT.usage;
      }
      case 'show': {
        const id = store.resolveId(positionals[0]!);
        const r = store.getFinding(id)!;
        const sink = new Sink(out);
        if (format === 'table') { sink.write(showText(r)); sink.end(); } else { const w = caseWriter(format, sink); w.write(r); w.end(); }
        return EXIT.ok;
      }
      case 'hunts': {
        const sink = new Sink(out);
        if (huntNo !== undefined) {
          const h = store.getHunt(huntNo);
          if (!h) throw new UsageError(`no hunt ${huntNo} in ${store.path}`);
          if (format === 'table') { sink.write(huntText(h)); sink.end(); } else { const w = recordWriter<HuntDetail>(format, sink, [['hunt', (x) => x]], { columns: [] }); w.write(h); w.end(); }
          return EXIT.ok;
        }
        const w = huntsWriter(format, sink);
        const hunts = store.listHunts();
        for (const h of hunts) w.write(h);
        w.end();
        return EXIT.ok;
      }
      case 'set': {
        const id = store.resolveId(positionals[0]!);
        const note = str('note');
        const { from, to } = store.setState(id, parseState(positionals[1]!), analyst, note);
        say(quiet, `tracehound: ${visible(id)}: ${from} -> ${to}${note ? ' (with a note)' : ''} by ${visible(analyst)}`);
        return EXIT.ok;
      }
      case 'note': {
        const id = store.resolveId(positionals[0]!);
        const n = store.addNote(id, analyst, positionals.slice(1).join(' '));
        say(quiet, `tracehound: ${visible(id)}: note ${n} added by ${visible(analyst)}`);
        return EXIT.ok;
      }
    }
    return EXIT.usage;
  } finally {
    store.close();
  }
}
