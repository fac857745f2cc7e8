// One chunk's work, the same in the main thread and in a worker: decode, then either keep the
// records or render them as UTF-8 output (so only bytes, transferred without a copy, cross the
// thread boundary).
import { decodeChunk } from './chunk.js';
import type { ChunkInfo, EvtxProblem, EvtxRecord } from './types.js';

export type ChunkJobMode = 'jsonl' | 'xml' | 'records';

export interface ChunkJob {
  mode: ChunkJobMode;
  index: number;
  offset: number;
  bytes: Uint8Array;
  noCrc: boolean;
  /** added to every JSON line when dumping several files */
  file?: string;
}

export interface ChunkOutput {
  info: ChunkInfo | null;
  problems: EvtxProblem[];
  count: number;
  /** the rendered records (JSON lines or XML), UTF-8 */
  output?: Uint8Array;
  records?: EvtxRecord[];
}

export function runChunkJob(job: ChunkJob): ChunkOutput {
  const r = decodeChunk(job.bytes, job.index, job.offset, { xml: job.mode === 'xml', noCrc: job.noCrc });
  const out: ChunkOutput = { info: r.info, problems: r.problems, count: r.records.length };
  if (job.mode === 'records') out.records = r.records;
  else if (job.mode === 'xml') out.output = Buffer.from(r.records.map((x: EvtxRecord) => x.xml + '\n').join(''), 'utf8');
  else {
    let t = '';
    for (const x of r.records) {
      const line = job.file === undefined
        ? { record_id: x.recordId, timestamp: x.timestamp, event: x.event }
        : { file: job.file, record_id: x.recordId, timestamp: x.timestamp, event: x.event };
      t += JSON.stringify(line) + '\n';
    }
    out.output = Buffer.from(t, 'utf8');
  }
  return out;
}

/** Buffers to transfer (not copy) back from a worker: only ones the output owns whole (a small
 * Buffer lives in a shared pool slab, which must not be detached). */
export function transferList(o: ChunkOutput): ArrayBuffer[] {
  const b = o.output;
  if (!b) return [];
  if (b.byteOffset !== 0 || b.buffer.byteLength !== b.byteLength) o.output = new Uint8Array(b);
  return [o.output!.buffer as ArrayBuffer];
}
