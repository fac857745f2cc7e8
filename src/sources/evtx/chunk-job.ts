// One chunk's work, the same in the main thread and in a worker: decode, then either keep the
// records or render them as output text (so only a string crosses the thread boundary).
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
  text?: string;
  records?: EvtxRecord[];
}

export function runChunkJob(job: ChunkJob): ChunkOutput {
  const r = decodeChunk(job.bytes, job.index, job.offset, { xml: job.mode === 'xml', noCrc: job.noCrc });
  const out: ChunkOutput = { info: r.info, problems: r.problems, count: r.records.length };
  if (job.mode === 'records') out.records = r.records;
  else if (job.mode === 'xml') out.text = r.records.map((x: EvtxRecord) => x.xml + '\n').join('');
  else {
    let t = '';
    for (const x of r.records) {
      const line = job.file === undefined
        ? { record_id: x.recordId, timestamp: x.timestamp, event: x.event }
        : { file: job.file, record_id: x.recordId, timestamp: x.timestamp, event: x.event };
      t += JSON.stringify(line) + '\n';
    }
    out.text = t;
  }
  return out;
}
