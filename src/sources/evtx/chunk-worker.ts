// Worker thread entry: decodes chunks sent by an OrderedPool.
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../../util/ordered-pool.js';
import { runChunkJob, transferList, type ChunkJob, type ChunkOutput } from './chunk-job.js';

if (parentPort) serveTasks<ChunkJob[], ChunkOutput[]>(parentPort, (jobs) => {
  const result = jobs.map(runChunkJob);
  return { result, transfer: result.flatMap(transferList) };
});
