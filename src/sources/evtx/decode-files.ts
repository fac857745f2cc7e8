// EVTX files -> decoded chunks, in file order, with files and chunks decoded in parallel by worker
// threads when there is enough work to be worth it.
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { openEvtx } from './reader.js';
import { runChunkJob, type ChunkJob, type ChunkJobMode, type ChunkOutput } from './chunk-job.js';
import { OrderedPool } from '../../util/ordered-pool.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE, type EvtxFileHeader, type EvtxProblem } from './types.js';

export type FileEvent =
  | { kind: 'file'; path: string; header: EvtxFileHeader | null; problems: EvtxProblem[]; chunks: number }
  | { kind: 'chunk'; path: string; output: ChunkOutput }
  | { kind: 'unreadable'; path: string; message: string };

export interface DecodeFilesOptions {
  mode: ChunkJobMode;
  /** worker threads; 0 decodes in this thread; default: the cores, at most 4 */
  threads?: number;
  /** threads when `threads` is not given and the input is large enough (default: the cores, at most 4) */
  defaultThreads?: number;
  /** add the file name to JSON lines */
  nameFiles?: boolean;
}

/** Chunks sent to a worker in one message. */
const WORKER_BATCH = 8;

/** Chunks below which starting workers costs more than it saves. */
const MIN_CHUNKS_FOR_WORKERS = 8;

function workerScript(): URL {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`./chunk-worker${ext}`, import.meta.url);
}

type Item = { kind: 'job'; path: string; job: ChunkJob } | Exclude<FileEvent, { kind: 'chunk' }>;

function* plan(paths: string[], opts: DecodeFilesOptions, copy: boolean): Generator<Item> {
  for (const path of paths) {
    let f: ReturnType<typeof openEvtx>;
    try {
      f = openEvtx(path);
    } catch (e) {
      yield { kind: 'unreadable', path, message: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
      continue;
    }
    try {
      const { header, problems, chunksInFile } = f.header;
      yield { kind: 'file', path, header, problems, chunks: header ? chunksInFile : 0 };
      if (!header) continue;
      for (const c of f.chunks(copy)) {
        const job: ChunkJob = { mode: opts.mode, index: c.index, offset: c.offset, bytes: c.bytes, noCrc: header.noCrc };
        if (opts.nameFiles) job.file = path;
        yield { kind: 'job', path, job };
      }
    } finally {
      f.close();
    }
  }
}

function totalChunks(paths: string[]): number {
  let n = 0;
  for (const p of paths) {
    try { n += Math.max(0, Math.ceil((statSync(p).size - FILE_HEADER_SIZE) / CHUNK_SIZE)); } catch { /* reported by plan */ }
  }
  return n;
}

export async function* decodeFiles(paths: string[], opts: DecodeFilesOptions): AsyncGenerator<FileEvent> {
  let threads = opts.threads ?? opts.defaultThreads ?? Math.min(availableParallelism(), 4);
  if (opts.threads === undefined && totalChunks(paths) < MIN_CHUNKS_FOR_WORKERS) threads = 0;
  if (threads <= 0) {
    for (const it of plan(paths, opts, false)) {
      if (it.kind === 'job') yield { kind: 'chunk', path: it.path, output: runChunkJob(it.job) };
      else yield it;
    }
    return;
  }
  const pool = new OrderedPool<ChunkJob[], ChunkOutput[]>(workerScript(), threads);
  try {
    // Chunks go to the workers in batches (fewer messages); results come back in submission
    // order, and file events are interleaved at their place.
    const order: Item[] = [];
    const batches = function* (): Generator<ChunkJob[]> {
      let cur: ChunkJob[] = [];
      for (const it of plan(paths, opts, true)) {
        order.push(it);
        if (it.kind !== 'job') continue;
        cur.push(it.job);
        if (cur.length === WORKER_BATCH) { yield cur; cur = []; }
      }
      if (cur.length) yield cur;
    };
    let oi = 0;
    for await (const outputs of pool.map(batches(), (b) => b.map((j) => j.bytes.buffer as ArrayBuffer))) {
      for (const output of outputs) {
        while (order[oi]!.kind !== 'job') yield order[oi++] as Exclude<FileEvent, { kind: 'chunk' }>;
        const it = order[oi++] as { kind: 'job'; path: string };
        yield { kind: 'chunk', path: it.path, output };
      }
      order.splice(0, oi);
      oi = 0;
    }
    while (oi < order.length) yield order[oi++] as Exclude<FileEvent, { kind: 'chunk' }>;
  } finally {
    await pool.close();
  }
}
