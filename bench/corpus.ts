// The real-event corpus of the hunt bench: every EVTX file of ../shared/corpora (the manifest)
// decoded by our own `evtx dump`, each record's event written as one EVTX-to-JSON line, then the
// lines repeated to the sizes asked for. Built once per size in a cache folder and reused.
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export interface Corpus { base: string; baseEvents: number; files: number }

/** BENCH_CORPUS_DIR, else a folder under the system's temporary folder (kept between runs). */
export function corpusDir(): string {
  const dir = process.env['BENCH_CORPUS_DIR'] ?? join(tmpdir(), 'tracehound-bench-corpus');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function manifestFiles(corpora: string): string[] {
  const rows = readFileSync(join(corpora, 'evtx-manifest.tsv'), 'utf8').trim().split('\n');
  const path = rows[0]!.split('\t').indexOf('path');
  return rows.slice(1).map((r) => join(corpora, r.split('\t')[path]!)).filter((p) => existsSync(p));
}

async function writeLines(file: string, lines: AsyncIterable<string> | Iterable<string>): Promise<void> {
  const tmp = `${file}.part`;
  const ws = createWriteStream(tmp);
  for await (const l of lines) if (!ws.write(l + '\n')) await new Promise<void>((r) => ws.once('drain', () => r()));
  await new Promise<void>((res, rej) => { ws.on('error', rej); ws.end(res); });
  renameSync(tmp, file);
}

/** base.jsonl: one line per decoded record, in manifest order. */
export async function baseCorpus(corpora: string, cli: string): Promise<Corpus> {
  const dir = corpusDir();
  const files = manifestFiles(corpora);
  const base = join(dir, 'base.jsonl');
  if (!existsSync(base)) {
    const dump = join(dir, 'dump.jsonl');
    const r = spawnSync(process.execPath, [cli, 'evtx', 'dump', '--threads', '0', '--out', dump, ...files], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (!existsSync(dump)) throw new Error(`evtx dump failed: ${r.stderr}`);
    async function* events() {
      for await (const line of createInterface({ input: createReadStream(dump), crlfDelay: Infinity })) {
        if (!line) continue;
        const rec = JSON.parse(line) as { event?: unknown };
        if (rec.event) yield JSON.stringify(rec.event);
      }
    }
    await writeLines(base, events());
  }
  let baseEvents = 0;
  for await (const l of createInterface({ input: createReadStream(base), crlfDelay: Infinity })) if (l) baseEvents++;
  return { base, baseEvents, files: files.length };
}

/** base.jsonl repeated (and cut) to `n` lines; the file is kept for the next run. */
export async function replicated(c: Corpus, n: number): Promise<{ file: string; bytes: number }> {
  const file = join(corpusDir(), `events-${n}.jsonl`);
  if (!existsSync(file)) {
    const lines = readFileSync(c.base, 'utf8').split('\n').filter((l) => l);
    await writeLines(file, (function* () { for (let i = 0; i < n; i++) yield lines[i % lines.length]!; })());
  }
  return { file, bytes: statSync(file).size };
}
