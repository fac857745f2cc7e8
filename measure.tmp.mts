// Engines on the same regex x string set: SigmaHQ rule regexes over field values of the real EVTX corpus.
import v8 from 'node:v8';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
const root = '/work/wt/i15';
const { hunt } = await import(root + '/src/hunt/run.ts');
const { RuleSet } = await import(root + '/src/sigma/ruleset.ts');
const { EventView } = await import(root + '/src/sigma/event-view.ts');
const { translateRegex } = await import(root + '/src/sigma/regex.ts');
const { parseSigmaRegex, toRe2 } = await import(root + '/src/sigma/backends/regex-ast.ts');
const { RE2JS } = await import('re2js');
const extra = process.argv[2] ? await import(process.argv[2]) : null;
v8.setFlagsFromString('--enable-experimental-regexp-engine');
const regexes: { source: string; flags: string; field: string | null }[] = JSON.parse(readFileSync('/tmp/i15/regexes.json', 'utf8'));
const fields = new Set(regexes.map((r) => r.field ?? ''));
const values = new Map<string, Set<string>>();
for (const f of fields) values.set(f, new Set());
let events = 0;
await hunt({ paths: ['/work/shared/corpora/evtx', '/work/shared/corpora/sigma-regression'], ruleset: new RuleSet([]), threads: 0, onHit: () => {}, onEvent: (ev: any) => {
  events++;
  const view = new EventView(ev.fields, ev.raw);
  for (const f of fields) for (const s of (f === '' ? view.all() : view.strings(f) ?? [])) values.get(f)!.add(s);
} });
let pairs = 0; for (const r of regexes) pairs += values.get(r.field ?? '')!.size;
console.log(`events ${events}; regexes ${regexes.length}; regex x value pairs ${pairs}; distinct values ${[...values.values()].reduce((a, b) => a + b.size, 0)}`);
type Eng = { name: string; build: (r: typeof regexes[0]) => (s: string) => boolean };
const engines: Eng[] = [
  { name: 'irregexp (today)', build: (r) => { const t = translateRegex(r.source, r.flags); const rx = new RegExp(t.source, t.flags); return (s) => rx.test(s); } },
  { name: 'v8 linear (l), today\'s translation', build: (r) => { const t = translateRegex(r.source, r.flags); const rx = new RegExp(t.source, t.flags + 'l'); return (s) => rx.test(s); } },
  { name: 're2js via toRe2', build: (r) => { const p = RE2JS.compile(toRe2(parseSigmaRegex(r.source, r.flags))); return (s) => p.test(s); } },
];
if (extra) engines.push(...extra.engines);
const base = engines[0]!;
const baseRes = new Map<number, boolean[]>();
for (const e of engines) {
  let compiled = 0, refused: string[] = [], diff = 0, t = 0;
  regexes.forEach((r, i) => {
    let m: (s: string) => boolean;
    try { m = e.build(r); } catch (err) { refused.push(`${r.source} /${r.flags}: ${(err as Error).message.slice(0, 80)}`); return; }
    compiled++;
    const vals = [...values.get(r.field ?? '')!];
    const t0 = process.hrtime.bigint();
    const res = vals.map(m);
    t += Number(process.hrtime.bigint() - t0);
    if (e === base) baseRes.set(i, res); else { const b = baseRes.get(i)!; res.forEach((x, k) => { if (x !== b[k]) diff++; }); }
  });
  console.log(`${e.name}: compiled ${compiled}/${regexes.length}, refused ${refused.length}, ${(t / 1e6).toFixed(0)} ms on compiled, results differing from today ${diff}`);
  for (const x of refused.slice(0, 4)) console.log('   refused:', x);
}
