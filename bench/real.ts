// The hunt on real, varied events (bench/corpus.ts): the floor and the hunt in the same run, as
// separate processes under /usr/bin/time, so the ratio holds whatever the machine; start-up with
// all SigmaHQ rules (cold and with the compiled-rule cache); EVTX against the same events as JSON
// lines; peak RSS on 1 GB of JSON lines and of EVTX.
// BENCH_SIZES=200000,1000000 chooses the JSON-lines sizes; BENCH_SKIP_GB skips the 1 GB rows;
// BENCH_BEFORE_CLI=path/to/dist/src/cli/main.js (an earlier build) adds its hunt to the same run.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { baseCorpus, manifestFiles, replicated } from './corpus.js';
import { timed } from './timed.js';

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

export async function realBench(corpora: string, cli: string): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'th-bench-home-'));
  const env = { ...process.env, TRACEHOUND_HOME: home };
  const windows = join(corpora, 'sigma-rules', 'windows');
  const huntArgs = (input: string, rules: string, extra: string[] = []) => [cli, 'hunt', input, '--rules', rules, '--per-event', '--format', 'jsonl', '--out', '/dev/null', '--no-db', ...extra];
  const before = process.env['BENCH_BEFORE_CLI'];
  const hunt = (input: string, rules = windows, extra: string[] = [], build = cli) => {
    const args = huntArgs(input, rules, extra);
    args[0] = build;
    const t = timed(process.execPath, args, env);
    const m = /; (\d+) events.*?; (\d+) matches/.exec(t.stderr);
    if (t.status !== 0 || !m) console.log(`  hunt failed (status ${t.status}): ${t.stderr.slice(-500)}`);
    return { ...t, events: m ? Number(m[1]) : 0, matches: m ? Number(m[2]) : 0 };
  };
  try {
    const c = await baseCorpus(corpora, cli);
    console.log(`\nReal events: ${c.files} EVTX files of the corpus decoded by \`tracehound evtx dump\` into ${fmt(c.baseEvents)} EVTX-to-JSON lines, repeated; all ${fmt(2407)} SigmaHQ Windows rules; floor = stream the same file, JSON.parse every line, lower-case every string once`);

    // Start-up: one event, every SigmaHQ rule (all folders), first with an empty cache, then warm.
    const one = join(home, 'one.jsonl');
    writeFileSync(one, readFileSync(c.base, 'utf8').split('\n', 1)[0]! + '\n');
    const all = join(corpora, 'sigma-rules');
    const cold = hunt(one, all), warm = hunt(one, all);
    if (before) { const b = hunt(one, all, [], before); console.log(`start-up of the earlier build: ${b.wall.toFixed(2)} s (${mib(b.rssKiB)})`); }
    console.log(`start-up, one event, all SigmaHQ rules: ${cold.wall.toFixed(2)} s with an empty rule cache (${mib(cold.rssKiB)}), ${warm.wall.toFixed(2)} s with the cache (${mib(warm.rssKiB)})`);

    // The timed hunts below meet a warm rule cache, as every hunt after the first one does.
    hunt(one);
    const sizes = (process.env['BENCH_SIZES'] ?? '200000,1000000').split(',').map(Number).filter((n) => n > 0);
    for (const n of sizes) {
      const { file, bytes } = await replicated(c, n);
      const floor = timed(process.execPath, [join(cli, '..', '..', '..', 'bench', 'floor.js'), file], env);
      const h = hunt(file);
      const fr = n / floor.wall, hr = h.events / h.wall;
      const b = before ? hunt(file, windows, [], before) : null;
      console.log(`${fmt(n)} events, ${fmt(bytes / 1e6)} MB JSONL: floor ${fmt(fr)} ev/s (${floor.wall.toFixed(1)} s, ${mib(floor.rssKiB)}); hunt ${fmt(hr)} ev/s (${h.wall.toFixed(1)} s, ${fmt(h.matches)} matches, peak RSS ${mib(h.rssKiB)}) = ${(100 * hr / fr).toFixed(0)} % of the floor`);
      if (b) {
        console.log(`  earlier build (${before}): ${fmt(b.events / b.wall)} ev/s (${b.wall.toFixed(1)} s, ${fmt(b.matches)} matches, peak RSS ${mib(b.rssKiB)}) = ${(100 * (b.events / b.wall) / fr).toFixed(0)} % of the floor`);
      }
    }

    // EVTX against the same events as JSON lines: the corpus files linked ROUNDS times over.
    const rounds = Number(process.env['BENCH_EVTX_ROUNDS'] ?? 5);
    const dir = mkdtempSync(join(tmpdir(), 'th-real-evtx-'));
    try {
      const files = manifestFiles(corpora);
      let k = 0;
      for (let r = 0; r < rounds; r++) for (const f of files) symlinkSync(f, join(dir, `${String(k++).padStart(6, '0')}.evtx`));
      const { file } = await replicated(c, rounds * c.baseEvents);
      const ev = hunt(dir), js = hunt(file);
      console.log(`EVTX vs JSON lines, the same ${fmt(js.events)} events (${rounds} rounds): EVTX ${fmt(ev.events / ev.wall)} ev/s (${ev.wall.toFixed(1)} s, ${fmt(ev.events)} events, ${mib(ev.rssKiB)}), JSONL ${fmt(js.events / js.wall)} ev/s (${js.wall.toFixed(1)} s, ${mib(js.rssKiB)}); EVTX/JSONL ${(js.wall / ev.wall).toFixed(2)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    if (!process.env['BENCH_SKIP_GB']) {
      const n = Math.ceil(1.05e9 / (statSync(c.base).size / c.baseEvents));
      const { file, bytes } = await replicated(c, n);
      const h = hunt(file);
      console.log(`1 GB of JSON lines (${fmt(bytes / 1e6)} MB, ${fmt(h.events)} events): ${fmt(h.events / h.wall)} ev/s, peak RSS ${mib(h.rssKiB)}`);
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
