// tracehound export --to jsonl|parquet EVIDENCE... --out FILE
import { COMMON_OPTIONS, EXIT, UsageError, parse, say, threadsOption, timeOption } from './args.js';
import { exportEvents, type ExportFormat } from '../export/export.js';

export const EXPORT_HELP = `usage: tracehound export --to jsonl|parquet PATH... [--out FILE] [options]

Read every evidence file under each PATH (as hunt does: EVTX, event XML, JSON, CSV, Defender
exports, Exchange message tracking/agent/SMTP logs and Get-MessageTrackingLog exports, zip
archives) and write tracehound's normalised event table, one row per event: event_id,
time, time_ms, host, product, service, category, categories, file, kind, record, offset, line,
fields (JSON: the event's fields by Sigma name) and nested_values. 'tracehound rules convert
--to sql' writes queries over this table (load it as 'events').

  --to jsonl        JSON lines (default; standard output unless --out)
  --to parquet      Parquet (needs --out; written with DuckDB, @duckdb/node-api)
  -o, --out FILE    the file to write
  --from TIME, --to TIME        only events in this window, as for hunt (--to is the output form
                                when it says jsonl or parquet, the end of the window when it is a
                                time; give it twice for both; --to-time TIME is the same as --to TIME)
  --threads N       EVTX decoding threads (0: none)
  -q, --quiet       no summary on standard error

Load it in DuckDB:
  CREATE TABLE events AS SELECT * FROM read_parquet('events.parquet');
  CREATE TABLE events AS SELECT * FROM read_json('events.jsonl', format = 'newline_delimited',
    columns = {event_id: 'BIGINT', time: 'VARCHAR', time_ms: 'BIGINT', host: 'VARCHAR', product: 'VARCHAR',
    service: 'VARCHAR', category: 'VARCHAR', categories: 'VARCHAR', file: 'VARCHAR', kind: 'VARCHAR',
    record: 'BIGINT', "offset": 'BIGINT', line: 'BIGINT', fields: 'JSON', nested_values: 'JSON'});`;

export async function exportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS, to: { type: 'string', multiple: true }, from: { type: 'string' }, 'to-time': { type: 'string' }, threads: { type: 'string' },
  });
  if (values.help) { process.stdout.write(EXPORT_HELP + '\n'); return EXIT.ok; }
  // --to names the output form (jsonl, parquet) or, like hunt's --to, the end of the time window
  const forms = (values.to ?? []).filter((v) => v === 'jsonl' || v === 'parquet');
  const times = [...(values.to ?? []).filter((v) => v !== 'jsonl' && v !== 'parquet'), ...(values['to-time'] !== undefined ? [values['to-time']] : [])];
  if (forms.length > 1) throw new UsageError(`--to jsonl|parquet given ${forms.length} times`);
  if (times.length > 1) throw new UsageError('the end of the window is given more than once (--to TIME, --to-time TIME)');
  const to = forms[0] ?? 'jsonl';
  if (values.format !== undefined) throw new UsageError('export takes --to jsonl|parquet, not --format');
  if (positionals.length === 0) throw new UsageError('export needs at least one evidence file or folder');
  if (to === 'parquet' && (values.out === undefined || values.out === '-')) throw new UsageError('--to parquet needs --out FILE');
  const from = timeOption(values.from, '--from');
  let until: number | undefined;
  try {
    until = timeOption(times[0], '--to', true);
  } catch {
    throw new UsageError(`--to must be jsonl, parquet, or a date or time such as 2024-05-01 or 2024-05-01T12:00:00Z; got '${times[0]}'`);
  }
  const threads = threadsOption(values.threads);
  const s = await exportEvents({
    paths: positionals, format: to as ExportFormat,
    ...(values.out !== undefined ? { out: values.out } : {}),
    ...(from !== undefined ? { from } : {}), ...(until !== undefined ? { to: until } : {}),
    ...(threads !== undefined ? { threads } : {}),
  });
  const h = s.hunt;
  say(values.quiet, `tracehound: ${s.events} events from ${h.files.read} file(s) written${values.out ? ` to ${values.out}` : ''} (${to})` +
    `${h.skipped.length ? `; ${h.skipped.length} file(s) skipped` : ''}${h.recordProblems ? `; ${h.recordProblems} unusable record(s)` : ''}`);
  for (const sk of h.skipped.slice(0, 10)) say(values.quiet, `  skipped ${sk.path}: ${sk.reason}`);
  if (h.skipped.length > 10) say(values.quiet, `  ... and ${h.skipped.length - 10} more skipped`);
  for (const u of h.unreadable) say(values.quiet, `  unreadable ${u.path}: ${u.reason}`);
  if (h.unreadable.length && s.events === 0) return EXIT.usage;
  return EXIT.ok;
}
