// EVTX decoding speed against the reference parsers, on the same files in the same run:
// tracehound `evtx dump` (one thread, then all cores) vs libevtx `evtxexport -f xml` vs python-evtx.
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

interface Run { wall: number; rssKiB: number; records: number; ok: boolean }

/** Runs a command under /usr/bin/time; stdout is discarded. */
export function timed(cmd: string, args: string[]): { wall: number; rssKiB: number; stderr: string; status: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', '__time %e %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const m = /__time ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  return { wall: m ? Number(m[1]) : NaN, rssKiB: m ? Number(m[2]) : NaN, stderr: r.stderr ?? '', status: r.status };
}

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export async function evtxBench(corpora: string, cli: string): Promise<void> {
  const manifest = readFileSync(join(corpora, 'evtx-manifest.tsv'), 'utf8').trim().split('\n');
  const cols = manifest[0]!.split('\t');
  const col = (name: string) => cols.indexOf(name);
  const rows = manifest.slice(1).map((l) => l.split('\t'));
  // Files of 1 MB and more that libevtx decodes without error.
  const big = rows.filter((r) => Number(r[col('bytes')]) >= 1_000_000 && r[col('libevtx_rc')] === '0').map((r) => join(corpora, r[col('path')]!));
  const bytes = rows.filter((r) => big.includes(join(corpora, r[col('path')]!))).reduce((a, r) => a + Number(r[col('bytes')]), 0);
  const ROUNDS = Number(process.env['BENCH_EVTX_ROUNDS'] ?? 4);
  console.log(`\nEVTX: the ${big.length} corpus files of 1 MB and more (${(bytes / 1e6).toFixed(1)} MB), read ${ROUNDS} times over (links), so start-up and JIT warm-up do not dominate; python-evtx reads them once`);
  const linkDir = mkdtempSync(join(tmpdir(), 'th-evtx-big-'));
  const set: string[] = [];
  for (let r = 0; r < ROUNDS; r++) for (const f of big) { const l = join(linkDir, `${r}-${set.length}.evtx`); symlinkSync(f, l); set.push(l); }
  const target = new Map(set.map((l, i) => [l, big[i % big.length]!]));

  const ours = (threads: number, files: string[]): Run => {
    const t = timed(process.execPath, [cli, 'evtx', 'dump', '--threads', String(threads), '--out', '/dev/null', ...files]);
    const m = /(\d+) records from/.exec(t.stderr);
    return { wall: t.wall, rssKiB: t.rssKiB, records: m ? Number(m[1]) : 0, ok: t.status === 0 };
  };
  const perFile = (cmd: string, args: (f: string) => string[], count: (stderr: string, f: string) => number, files = set): Run => {
    let wall = 0, rss = 0, records = 0, ok = true;
    for (const f of files) {
      const t = timed(cmd, args(f));
      wall += t.wall; rss = Math.max(rss, t.rssKiB); records += count(t.stderr, f); ok &&= t.status === 0;
    }
    return { wall, rssKiB: rss, records, ok };
  };
  const libevtxCount = new Map(rows.map((r) => [join(corpora, r[col('path')]!), Number(r[col('libevtx_events')])]));
  const pyCount = new Map(rows.map((r) => [join(corpora, r[col('path')]!), Number(r[col('pyevtx_events')])]));
  const countOf = (m: Map<string, number>) => (_: string, f: string) => m.get(target.get(f) ?? f) ?? 0;

  const results: [string, Run][] = [];
  results.push(['tracehound evtx dump, 1 thread (JSON lines)', ours(0, set)]);
  results.push([`tracehound evtx dump, 2 threads (JSON lines)`, ours(2, set)]);
  results.push(['tracehound evtx dump --format xml, 1 thread', (() => {
    const t = timed(process.execPath, [cli, 'evtx', 'dump', '--format', 'xml', '--threads', '0', '--out', '/dev/null', ...set]);
    const m = /(\d+) records from/.exec(t.stderr);
    return { wall: t.wall, rssKiB: t.rssKiB, records: m ? Number(m[1]) : 0, ok: t.status === 0 };
  })()]);
  if (have('evtxexport')) results.push(['libevtx evtxexport -f xml (one process per file)', perFile('evtxexport', (f) => ['-f', 'xml', f], countOf(libevtxCount))]);
  else console.log('evtxexport not found (apt-get install libevtx-utils)');
  if (have('evtx_dump.py') && !process.env['BENCH_SKIP_PYTHON']) results.push(['python-evtx evtx_dump.py (one process per file)', perFile('evtx_dump.py', (f) => [f], countOf(pyCount), big)]);
  else console.log('python-evtx skipped (apt-get install python3-evtx; unset BENCH_SKIP_PYTHON)');

  const ref = results.find(([n]) => n.startsWith('libevtx'))?.[1];
  console.log('tool'.padEnd(52) + 'wall s'.padStart(8) + 'records'.padStart(10) + 'records/s'.padStart(12) + 'vs evtxexport'.padStart(15) + 'peak RSS'.padStart(11));
  for (const [name, r] of results) {
    const rate = r.records / r.wall;
    const ratio = ref ? rate / (ref.records / ref.wall) : NaN;
    console.log(name.padEnd(52) + r.wall.toFixed(2).padStart(8) + String(r.records).padStart(10) + Math.round(rate).toLocaleString('en').padStart(12) + (Number.isNaN(ratio) ? '-' : `${ratio.toFixed(1)}x`).padStart(15) + `${(r.rssKiB / 1024).toFixed(0)} MiB`.padStart(11) + (r.ok ? '' : '  (exit status not 0)'));
  }

  rmSync(linkDir, { recursive: true, force: true });

  // Memory on a large input: the corpus files repeated (as links) to more than 1 GB.
  const dir = mkdtempSync(join(tmpdir(), 'th-evtx-'));
  try {
    const all = rows.map((r) => join(corpora, r[col('path')]!)).filter((p) => existsSync(p));
    const sizes = new Map(rows.map((r) => [join(corpora, r[col('path')]!), Number(r[col('bytes')])]));
    const links: string[] = [];
    let total = 0;
    for (let round = 0; total < 1.05e9; round++) {
      for (const p of all) {
        const l = join(dir, `${round}-${links.length}.evtx`);
        symlinkSync(p, l);
        links.push(l);
        total += sizes.get(p) ?? 0;
      }
    }
    const big1 = ours(2, links);
    console.log(`large input: ${links.length} files, ${(total / 1e9).toFixed(2)} GB: ${big1.records.toLocaleString('en')} records in ${big1.wall.toFixed(1)} s (${Math.round(big1.records / big1.wall).toLocaleString('en')} records/s, 2 threads), peak RSS ${(big1.rssKiB / 1024).toFixed(0)} MiB`);
    // The whole hunt on the same input: decode, normalise, match every SigmaHQ Windows rule; with
    // the default decoding workers and with none (matching always runs in the main thread).
    for (const threads of [undefined, '0']) {
      const h = timed(process.execPath, [cli, 'hunt', dir, '--rules', join(corpora, 'sigma-rules', 'windows'), '--per-event', '--format', 'jsonl', '--out', '/dev/null', ...(threads ? ['--threads', threads] : [])]);
      const hm = /; (\d+) events/.exec(h.stderr);
      const ev = hm ? Number(hm[1]) : 0;
      console.log(`hunt, all SigmaHQ Windows rules, same ${(total / 1e9).toFixed(2)} GB, ${threads ? '--threads 0' : 'default threads'}: ${ev.toLocaleString('en')} events in ${h.wall.toFixed(1)} s (${Math.round(ev / h.wall).toLocaleString('en')} events/s), peak RSS ${(h.rssKiB / 1024).toFixed(0)} MiB${h.status === 0 ? '' : ' (exit status not 0)'}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
