// A command run under /usr/bin/time: wall seconds, peak RSS and its standard error; stdout is discarded.
import { spawnSync } from 'node:child_process';

export interface Timed { wall: number; rssKiB: number; stderr: string; status: number | null }

export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', '__time %e %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env });
  const m = /__time ([\d.]+) (\d+)\s*$/.exec(r.stderr ?? '');
  return { wall: m ? Number(m[1]) : NaN, rssKiB: m ? Number(m[2]) : NaN, stderr: r.stderr ?? '', status: r.status };
}
