// Worker thread entry: decodes chunks sent by an OrderedPool.
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../../util/ordered-pool.js';
import { runChunkJob, type ChunkJob, type ChunkOutput } from './chunk-job.js';

if (parentPort) serveTasks<ChunkJob, ChunkOutput>(parentPort, (job) => ({ result: runChunkJob(job) }));
