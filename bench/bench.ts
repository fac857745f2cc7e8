// npm run bench: matching throughput of the Sigma engine on SigmaHQ's Windows rules, then EVTX
// decoding against the reference parsers (bench/evtx.ts), then a hunt over ≥ 1 GB of message
// tracking logs (bench/mailflow.ts). BENCH_SKIP_SIGMA, BENCH_SKIP_EVTX, BENCH_SKIP_MAILFLOW and
// BENCH_SKIP_WEB leave a section out.
// Events are the SigmaHQ regression renderings, repeated with varied record ids and times.
import { existsSync, mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { loadRules } from '../src/hunt/load-rules.js';
import { listInputs } from '../src/sources/inputs.js';
import { hunt } from '../src/hunt/run.js';
import { RuleSet } from '../src/sigma/ruleset.js';
import { compileDetection } from '../src/sigma/compile.js';
import { EventView } from '../src/sigma/event-view.js';
import { readJsonRecords } from '../src/sources/json/reader.js';
import { toEvent } from '../src/events/normalize.js';
import type { Event } from '../src/events/model.js';
import type { SigmaRule } from '../src/sigma/model.js';
import { packageRoot } from '../src/util/package-root.js';
import { evtxBench } from './evtx.js';
import { realBench } from './real.js';
import { mailflowBench } from './mailflow.js';
import { convertBench } from './convert.js';

const corpora = resolve(packageRoot(), '..', 'shared', 'corpora');
if (!existsSync(join(corpora, 'README.md'))) {
  console.log(`bench: ../shared/corpora is absent (${corpora}); nothing to measure`);
  process.exit(0);
}
const N = Number(process.env['BENCH_EVENTS'] ?? 1_000_000);
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
let peakRss = 0;
const sampleRss = () => { peakRss = Math.max(peakRss, process.memoryUsage().rss); };

async function baseEvents(): Promise<{ raw: unknown[]; events: Event[] }> {
  const raw: unknown[] = [];
  const events: Event[] = [];
  for (const f of listInputs([join(corpora, 'sigma-regression', 'regression_data')]).files.filter((p) => p.endsWith('.json'))) {
    for await (const it of readJsonRecords(f)) {
      if (it.kind !== 'record') continue;
      const e = toEvent(it.value, { file: f, kind: 'json', line: it.line });
      if (e) { raw.push(it.value); events.push(e); }
    }
  }
  return { raw, events };
}

/** A copy of a base event with another record id and time (the view caches are per event). */
function vary(e: Event, i: number): Event {
  const fields = { ...e.fields, EventRecordID: 1_000_000 + i };
  return { ...e, fields, time: e.time + i * 1000, ref: { ...e.ref, line: i + 1 } };
}

function matchLoop(set: RuleSet, base: Event[], n: number): { s: number; hits: number } {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    hits += set.match(vary(base[i % base.length]!, i)).length;
    if ((i & 0xffff) === 0) sampleRss();
  }
  return { s: secs(t0), hits };
}

async function main(): Promise<void> {
  const cli = join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  if (!process.env['BENCH_SKIP_REAL']) await realBench(corpora, cli);
  if (!process.env['BENCH_SKIP_SIGMA']) await sigmaBench();
  if (!process.env['BENCH_SKIP_EVTX']) await evtxBench(corpora, cli);
  if (!process.env['BENCH_SKIP_MAILFLOW']) await mailflowBench(cli);
  if (!process.env['BENCH_SKIP_CONVERT']) await convertBench(corpora);
}

async function sigmaBench(): Promise<void> {
  console.log(`tracehound bench — node ${process.version}, ${N.toLocaleString('en')} events`);
  let t0 = process.hrtime.bigint();
  const loaded = loadRules([join(corpora, 'sigma-rules', 'windows')]);
  const tLoad = secs(t0);
  t0 = process.hrtime.bigint();
  const set = new RuleSet(loaded.docs);
  const tCompile = secs(t0);
  console.log(`rules: ${set.rules.length} SigmaHQ Windows rules parsed in ${tLoad.toFixed(2)} s, compiled and indexed in ${tCompile.toFixed(2)} s (${loaded.errors.length} failed)`);
  const { raw, events } = await baseEvents();
  console.log(`events: ${events.length} distinct regression events, repeated with varied record ids and times`);

  matchLoop(set, events, 20_000); // warm-up
  const all = matchLoop(set, events, N);
  console.log(`match, all rules (index + literal prefilter): ${fmt(N / all.s)} events/s (${all.s.toFixed(2)} s, ${fmt(all.hits)} matches)`);

  // One rule only, to show what thousands of rules cost over one.
  const one = new RuleSet(loaded.docs.filter((d) => d.meta.id === '83809e84-4475-4b69-bc3e-4aad8568612f'));
  matchLoop(one, events, 20_000);
  const single = matchLoop(one, events, N);
  console.log(`match, one rule: ${fmt(N / single.s)} events/s — all ${set.rules.length} rules cost ${(all.s / single.s).toFixed(1)}x one rule`);

  // Naive baseline: every compiled rule on every event, logsource checked per rule, no index or prefilter.
  const plain = (loaded.docs.filter((d) => d.type === 'rule') as SigmaRule[]).map((r) => ({ r, m: compileDetection(r.detection) }));
  const nb = Math.min(N, 50_000);
  t0 = process.hrtime.bigint();
  let nh = 0;
  for (let i = 0; i < nb; i++) {
    const e = vary(events[i % events.length]!, i);
    const v = new EventView(e.fields, e.raw);
    const cats = e.logsource.categories ?? (e.logsource.category ? [e.logsource.category] : []);
    for (const { r, m } of plain) {
      const l = r.logsource;
      if ((l.product && l.product !== e.logsource.product) || (l.service && l.service !== e.logsource.service) || (l.category && !cats.includes(l.category))) continue;
      if (m(v)) nh++;
    }
  }
  const tn = secs(t0);
  console.log(`match, naive (every rule on every event): ${fmt(nb / tn)} events/s — the index and prefilter are ${((nb / tn) > 0 ? (N / all.s) / (nb / tn) : 0).toFixed(1)}x faster`);

  // End to end: JSON lines file -> reader -> events -> rules.
  const dir = mkdtempSync(join(tmpdir(), 'th-bench-'));
  try {
    const file = join(dir, 'events.jsonl');
    const nf = Math.min(N, 200_000);
    await new Promise<void>((res, rej) => {
      const ws = createWriteStream(file);
      ws.on('error', rej);
      let i = 0;
      const write = () => {
        let ok = true;
        while (i < nf && ok) { ok = ws.write(JSON.stringify(raw[i % raw.length]) + '\n'); i++; }
        if (i < nf) ws.once('drain', write); else ws.end(res);
      };
      write();
    });
    const set2 = new RuleSet(loaded.docs);
    t0 = process.hrtime.bigint();
    let hits = 0;
    const s = await hunt({ paths: [file], ruleset: set2, onHit: () => { hits++; } });
    const te = secs(t0);
    sampleRss();
    console.log(`hunt end to end (JSON lines read + normalise + match): ${fmt(s.events / te)} events/s (${fmt(s.events)} events, ${fmt(hits)} matches, ${te.toFixed(2)} s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  console.log('reference tools: no Sigma evaluator (Chainsaw, Hayabusa, Zircolite) is installable on this machine, so ratios are against our own naive evaluation');
}

main().then(async () => { if (!process.env['BENCH_SKIP_WEB']) await (await import('./web.js')).webBench(); }) // the web UI's /api/findings latency (bench/web.ts)
  .catch((e) => { console.error(e); process.exit(1); });
