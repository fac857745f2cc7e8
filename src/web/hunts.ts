// Hunts started from the web UI: each runs `tracehound hunt PATH --db DB --format jsonl --out
// /dev/null` as a child process (the CLI's own code path, so the web and the command line record
// hunts the same way), and its progress is kept as a list of events that server-sent-event clients
// replay and then follow.
//
// The child's standard error is its progress (`--progress` draws the bar there although it is a
// pipe): the bar's `\r[###...] 3/10 files, 1,234 events` frames become `progress` events, every
// other line a `log` event. The hunt's id is the row the child writes in the case store (found by its process id).
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { devNull } from 'node:os';
import { join, resolve } from 'node:path';
import type { CaseStore, HuntRecord } from '../cases/store.js';
import { packageRoot } from '../util/package-root.js';

export interface HuntEvent { event: 'progress' | 'log' | 'done'; data: Record<string, unknown> }

/** Hunts that may run at once. */
const MAX_RUNNING = 2;
/** Events kept per hunt (the first and the latest; progress frames are coalesced). */
const MAX_EVENTS = 2000;
/** How long the child may take to record its hunt row (rules load first). */
const START_TIMEOUT_MS = 60_000;

export class HuntError extends Error {
  constructor(message: string, readonly status: number) { super(message); }
}

export class HuntJob {
  readonly events: HuntEvent[] = [];
  readonly listeners = new Set<(e: HuntEvent) => void>();
  done = false;
  huntId: number | null = null;
  constructor(readonly child: ChildProcess, readonly path: string) {}

  push(e: HuntEvent): void {
    const last = this.events[this.events.length - 1];
    if (e.event === 'progress' && last?.event === 'progress') this.events[this.events.length - 1] = e;
    else if (this.events.length < MAX_EVENTS || e.event === 'done') this.events.push(e);
    for (const l of this.listeners) l(e);
  }
}

const PROGRESS = /^\[[#.]*\]\s+(\d+)\/(\d+) files, ([\d,]+) events/;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The command that runs the CLI: the sources through tsx when this module runs from them, else the built binary. */
function cliCommand(): string[] {
  const root = packageRoot();
  return import.meta.url.endsWith('.ts')
    ? ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')]
    : [join(root, 'bin', 'tracehound.js')];
}

export class HuntJobs {
  private readonly jobs = new Map<number, HuntJob>();
  private readonly running = new Set<HuntJob>();

  constructor(private readonly store: CaseStore, private readonly dbPath: string) {}

  job(huntId: number): HuntJob | undefined { return this.jobs.get(huntId); }

  /** Starts a hunt over `path` (a file or folder on this machine); resolves when its row is in the store. */
  async start(path: string): Promise<HuntJob> {
    if (typeof path !== 'string' || path.trim() === '') throw new HuntError('give the path of an evidence folder or file on this machine', 400);
    if (path.length > 4096 || /[\u0000-\u001f]/.test(path)) throw new HuntError('that path is not usable', 400);
    const abs = resolve(path.trim());
    try { statSync(abs); } catch (e) { throw new HuntError(`${abs}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`, 400); }
    if (this.running.size >= MAX_RUNNING) throw new HuntError(`${MAX_RUNNING} hunts are already running; wait for one to finish`, 429);
    const startedAt = new Date(Date.now() - 1000).toISOString();
    const child = spawn(process.execPath, [...cliCommand(), 'hunt', abs, '--progress', '--db', this.dbPath, '--format', 'jsonl', '--out', devNull], {
      cwd: packageRoot(), env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    const job = new HuntJob(child, abs);
    this.running.add(job);
    let buf = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      buf += chunk;
      const parts = buf.split(/[\r\n]/);
      buf = parts.pop() ?? '';
      for (const p of parts) this.line(job, p);
    });
    const exited = new Promise<number | null>((res) => {
      child.on('error', (e) => { job.push({ event: 'log', data: { text: `cannot start the hunt: ${e.message}` } }); res(null); });
      child.on('close', (code) => res(code));
    });
    const findRow = () => {
      if (job.huntId === null) {
        const row = this.store.listHunts().find((h) => h.pid === child.pid && h.started_at >= startedAt);
        if (row) { job.huntId = row.id; this.jobs.set(row.id, job); }
      }
      return job.huntId;
    };
    void exited.then((code) => {
      if (buf) this.line(job, buf);
      findRow();
      this.running.delete(job);
      job.done = true;
      const h = job.huntId !== null ? this.store.getHunt(job.huntId) : null;
      job.push({ event: 'done', data: { ...doneData(h), exit_code: code } });
    });
    // the child's hunt row: written after the rules load and before the evidence is read
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (findRow() !== null) return job;
      if (job.done || Date.now() > deadline) {
        if (!job.done) child.kill();
        const said = job.events.filter((e) => e.event === 'log').map((e) => String(e.data['text'])).join('; ');
        throw new HuntError(`the hunt did not start${said ? `: ${said}` : ''}`, 500);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private line(job: HuntJob, raw: string): void {
    const s = raw.replace(ANSI, '').trim();
    if (!s) return;
    const m = PROGRESS.exec(s);
    if (m) job.push({ event: 'progress', data: { filesDone: Number(m[1]), filesTotal: Number(m[2]), events: Number(m[3]!.replace(/,/g, '')) } });
    else job.push({ event: 'log', data: { text: s.replace(/^tracehound: /, '').slice(0, 2000) } });
  }

  /** Stops every running hunt (the server is closing). */
  stopAll(): void {
    for (const j of this.running) j.child.kill();
  }
}

/** The `done` event of a finished hunt, from its store row. */
export function doneData(h: HuntRecord | null): Record<string, unknown> {
  if (!h) return { status: 'failed', error: 'the hunt was not recorded in the case store' };
  return { hunt: h.id, status: h.status === 'running' ? 'failed' : h.status, files_total: h.files_total, files_read: h.files_read, events: h.events, matches: h.matches, findings: h.findings, error: h.error };
}
