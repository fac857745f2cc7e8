// Is the process that started a hunt still running? A hunt row keeps the pid, the host name and,
// where the system tells it (Linux /proc), the process's identity: the boot id and the process's
// start time in clock ticks since boot. A pid that is alive but belongs to a process started after
// the hunt (pid reuse, common in containers) does not keep a hunt running.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

let bootId: string | null | undefined;

function readBootId(): string | null {
  if (bootId !== undefined) return bootId;
  try { bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null; } catch { bootId = null; }
  return bootId;
}

/** `boot-id:start-ticks` of a process (Linux), or null where the system does not say. */
export function processIdentity(pid: number): string | null {
  const boot = readBootId();
  if (!boot) return null;
  let stat: string;
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return null; }
  // pid (comm) state ppid ... : comm may hold spaces and parentheses, so split after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = rest[19]; // field 22, starttime
  return start && /^\d+$/.test(start) ? `${boot}:${start}` : null;
}

/** True when a process with this pid exists (EPERM: it exists, owned by someone else). */
function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export interface HuntProcess { pid: number; host_name: string; process_start: string | null; started_at: string }

/** This process, as a hunt row records it. */
export function thisProcess(): { pid: number; host_name: string; process_start: string | null } {
  return { pid: process.pid, host_name: hostname(), process_start: processIdentity(process.pid) };
}

/**
 * Why the process of a `running` hunt is known to be gone, or null when it may still be running
 * (alive, or on another host, which this machine cannot check).
 */
export function huntProcessGone(h: HuntProcess): string | null {
  if (h.host_name !== hostname()) return null;
  if (!pidAlive(h.pid)) return `process ${h.pid} on ${h.host_name} ended before the hunt finished`;
  if (h.process_start) {
    const now = processIdentity(h.pid);
    if (now && now !== h.process_start) return `process ${h.pid} on ${h.host_name} ended before the hunt finished (the pid now belongs to a later process)`;
    if (now) return null;
  }
  if (h.pid === process.pid) {
    // No /proc: this process started after the hunt began, so it is not the hunt's process.
    const ourStart = Date.now() - process.uptime() * 1000;
    const started = Date.parse(h.started_at);
    if (!Number.isNaN(started) && started < ourStart - 1000) return `process ${h.pid} on ${h.host_name} ended before the hunt finished (the pid now belongs to a later process)`;
  }
  return null;
}
