// `tracehound export`: evidence -> tracehound's normalised event table, as JSON lines or Parquet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hunt, type HuntSummary } from '../hunt/run.js';
import { RuleSet } from '../sigma/ruleset.js';
import { Sink } from '../report/sink.js';
import { EVENT_COLUMNS, eventRow, rowJson } from './event-table.js';

export type ExportFormat = 'jsonl' | 'parquet';

export interface ExportOptions {
  paths: string[];
  /** the output file ('-' or undefined: standard output, JSON lines only) */
  out?: string;
  format: ExportFormat;
  from?: number;
  to?: number;
  threads?: number;
}

export interface ExportSummary { events: number; hunt: HuntSummary }

/** Write the event table of the evidence under `paths`. */
export async function exportEvents(opts: ExportOptions): Promise<ExportSummary> {
  if (opts.format === 'parquet') {
    if (!opts.out || opts.out === '-') throw new Error('a Parquet export needs --out FILE');
    const dir = mkdtempSync(join(tmpdir(), 'tracehound-export-'));
    try {
      const jsonl = join(dir, 'events.jsonl');
      const s = await exportEvents({ ...opts, format: 'jsonl', out: jsonl });
      await jsonlToParquet(jsonl, resolve(opts.out));
      return s;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const sink = new Sink(opts.out);
  let n = 0;
  const summary = await hunt({
    paths: opts.paths, ruleset: new RuleSet([]), onHit: () => {},
    onEvent: (ev) => { sink.write(rowJson(eventRow(ev, ++n)) + '\n'); },
    ...(opts.from !== undefined ? { from: opts.from } : {}),
    ...(opts.to !== undefined ? { to: opts.to } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  });
  sink.end();
  return { events: n, hunt: summary };
}

function sqlString(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

/** DuckDB SQL reading an export (JSON lines or Parquet, by extension) as the event table's columns. */
export function duckdbReadEvents(file: string): string {
  if (/\.parquet$/i.test(file)) return `read_parquet(${sqlString(file)})`;
  const cols = EVENT_COLUMNS.map(([c, t]) => `${sqlString(c)}: ${sqlString(t)}`).join(', ');
  return `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${cols}}, maximum_object_size = 268435456)`;
}

/** DuckDB SQL creating the `events` table (the SQL backend's default) from an export. */
export function duckdbLoadEvents(file: string, table = 'events'): string {
  return `CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${duckdbReadEvents(file)}`;
}

interface DuckConn { run(sql: string): Promise<unknown>; closeSync?(): void; disconnectSync?(): void }

/** @duckdb/node-api is an optional (development) dependency: loaded only for Parquet. */
async function openDuckDB(): Promise<{ conn: DuckConn; close: () => void }> {
  let mod: { DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<DuckConn>; closeSync?(): void }> } };
  try {
    mod = (await import('@duckdb/node-api')) as unknown as typeof mod;
  } catch {
    throw new Error('Parquet output needs the @duckdb/node-api package (npm install @duckdb/node-api)');
  }
  const db = await mod.DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  return { conn, close: () => { conn.closeSync?.(); conn.disconnectSync?.(); db.closeSync?.(); } };
}

async function jsonlToParquet(jsonl: string, parquet: string): Promise<void> {
  const { conn, close } = await openDuckDB();
  try {
    await conn.run(`COPY (SELECT * FROM ${duckdbReadEvents(jsonl)} ORDER BY event_id) TO ${sqlString(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    close();
  }
}
