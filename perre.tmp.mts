import { readFileSync } from 'node:fs';
const root = '/work/wt/i15';
const { hunt } = await import(root + '/src/hunt/run.ts');
const { RuleSet } = await import(root + '/src/sigma/ruleset.ts');
const { EventView } = await import(root + '/src/sigma/event-view.ts');
const { translateRegex } = await import(root + '/src/sigma/regex.ts');
const { parseSigmaRegex, toRe2 } = await import(root + '/src/sigma/backends/regex-ast.ts');
const { RE2JS } = await import('re2js');
const regexes: { source: string; flags: string; field: string | null }[] = JSON.parse(readFileSync('/tmp/i15/regexes.json', 'utf8'));
const fields = new Set(regexes.map((r) => r.field ?? ''));
const values = new Map<string, Set<string>>();
for (const f of fields) values.set(f, new Set());
await hunt({ paths: ['/work/shared/corpora/evtx', '/work/shared/corpora/sigma-regression'], ruleset: new RuleSet([]), threads: 0, onHit: () => {}, onEvent: (ev: any) => {
  const view = new EventView(ev.fields, ev.raw);
  for (const f of fields) for (const s of (f === '' ? view.all() : view.strings(f) ?? [])) values.get(f)!.add(s);
} });
const rows: [number, number, string, number, number][] = [];
for (const r of regexes) {
  const vals = [...values.get(r.field ?? '')!];
  const t = translateRegex(r.source, r.flags); const rx = new RegExp(t.source, t.flags);
  const p = RE2JS.compile(toRe2(parseSigmaRegex(r.source, r.flags)));
  const time = (f: (s: string) => boolean) => { const t0 = process.hrtime.bigint(); for (let k = 0; k < 3; k++) for (const s of vals) f(s); return Number(process.hrtime.bigint() - t0) / 3e6; };
  const a = time((s) => rx.test(s)), b = time((s) => p.test(s));
  rows.push([a, b, r.source.slice(0, 70) + ' /' + r.flags, vals.length, vals.reduce((x, y) => x + y.length, 0)]);
}
rows.sort((x, y) => y[1] - x[1]);
let A = 0, B = 0; for (const r of rows) { A += r[0]; B += r[1]; }
console.log(`total irregexp ${A.toFixed(1)} ms, re2js ${B.toFixed(1)} ms (per pass over all pairs, warm)`);
for (const r of rows.slice(0, 12)) console.log(r[0].toFixed(2), r[1].toFixed(2), r[3], r[4], r[2]);
