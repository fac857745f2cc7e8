// Running SQL backend queries over an event table in DuckDB (@duckdb/node-api) and SQLite
// (better-sqlite3), and the in-process matches over the same events, as (rule, event_id) pairs.
import Database from 'better-sqlite3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Event } from '../../src/events/model.js';
import type { SigmaDocument } from '../../src/sigma/model.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { duckdbLoadEvents } from '../../src/export/export.js';
import { eventRow, SQLITE_CREATE_EVENTS, SQLITE_INSERT_EVENT, sqliteRow, type EventRow } from '../../src/export/event-table.js';
import type { Conversion } from '../../src/sigma/backends/types.js';

export const pair = (rule: string | null, id: number | bigint) => `${rule}|${id}`;

/** Matches of the in-process engine: every (rule id, event id) the rule set reports. */
export function inProcessPairs(docs: SigmaDocument[], events: Event[]): Set<string> {
  const rs = new RuleSet(docs);
  const out = new Set<string>();
  events.forEach((ev, i) => { for (const h of rs.match(ev)) out.add(pair(h.rule.meta.id ?? h.rule.meta.title, i + 1)); });
  return out;
}

export function rowsOf(events: Event[]): EventRow[] {
  return events.map((ev, i) => eventRow(ev, i + 1));
}

export interface SqlRun { pairs: Set<string>; failures: { rule: string; message: string }[]; ms: number }

/** Run every converted query in DuckDB over an exported JSON lines (or Parquet) file; batched with UNION ALL. */
export async function duckPairs(file: string, convs: Conversion[], batch = 40): Promise<SqlRun> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    await con.run(duckdbLoadEvents(file));
    const qs = convs.filter((c) => c.query !== undefined);
    const out: SqlRun = { pairs: new Set(), failures: [], ms: 0 };
    const t0 = performance.now();
    const runOne = async (list: Conversion[]) => {
      const sql = list.map((c, k) => `SELECT ${k} AS q, event_id FROM (${c.query})`).join('\nUNION ALL\n');
      const r = await con.runAndReadAll(sql);
      for (const [k, id] of r.getRows()) out.pairs.add(pair(list[Number(k)]!.rule_id ?? list[Number(k)]!.title, id as bigint));
    };
    for (let i = 0; i < qs.length; i += batch) {
      const list = qs.slice(i, i + batch);
      try { await runOne(list); } catch {
        // find the query that fails, run the rest one by one
        for (const c of list) {
          try { await runOne([c]); } catch (e) { out.failures.push({ rule: c.rule_id ?? c.title, message: (e as Error).message }); }
        }
      }
    }
    out.ms = performance.now() - t0;
    return out;
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** Run every converted query in SQLite over the given rows. */
export function sqlitePairs(rows: EventRow[], convs: Conversion[]): SqlRun {
  const db = new Database(':memory:');
  try {
    db.exec(SQLITE_CREATE_EVENTS);
    const ins = db.prepare(SQLITE_INSERT_EVENT);
    db.transaction(() => { for (const r of rows) ins.run(...sqliteRow(r)); })();
    const out: SqlRun = { pairs: new Set(), failures: [], ms: 0 };
    const t0 = performance.now();
    for (const c of convs) {
      if (c.query === undefined) continue;
      try {
        for (const r of db.prepare(`SELECT event_id FROM (${c.query})`).all() as { event_id: number }[]) out.pairs.add(pair(c.rule_id ?? c.title, r.event_id));
      } catch (e) { out.failures.push({ rule: c.rule_id ?? c.title, message: (e as Error).message }); }
    }
    out.ms = performance.now() - t0;
    return out;
  } finally {
    db.close();
  }
}

/** Pairs in one set and not the other, for the converted rules only. */
export function diff(want: Set<string>, got: Set<string>, converted: Set<string>): { missing: string[]; extra: string[] } {
  const missing = [...want].filter((p) => !got.has(p) && converted.has(p.slice(0, p.lastIndexOf('|'))));
  const extra = [...got].filter((p) => !want.has(p));
  return { missing, extra };
}
