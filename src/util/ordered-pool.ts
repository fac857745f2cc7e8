// A pool of worker threads that maps tasks to results and hands the results back in task order,
// with a bound on tasks in flight (so memory stays bounded however long the input).
import { Worker } from 'node:worker_threads';

interface Pending<R> { resolve: (r: R) => void; reject: (e: Error) => void }

export class OrderedPool<T, R> {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private waiting: { id: number; task: T; transfer: ArrayBuffer[] }[] = [];
  private pending = new Map<number, Pending<R>>();
  private nextId = 0;

  constructor(script: URL, readonly size: number) {
    for (let i = 0; i < size; i++) {
      const w = script.pathname.endsWith('.ts')
        // A TypeScript worker (tests run the sources through tsx) registers the loader in its own thread first.
        ? new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(script.href)}); });`, { eval: true })
        : new Worker(script);
      w.on('message', (m: { id: number; result?: R; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (p) m.error !== undefined ? p.reject(new Error(m.error)) : p.resolve(m.result as R);
        this.release(w);
      });
      w.on('error', (e) => { for (const p of this.pending.values()) p.reject(e); this.pending.clear(); });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) w.postMessage({ id: next.id, task: next.task }, next.transfer);
    else this.idle.push(w);
  }

  run(task: T, transfer: ArrayBuffer[] = []): Promise<R> {
    const id = this.nextId++;
    const p = new Promise<R>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    const w = this.idle.pop();
    if (w) w.postMessage({ id, task }, transfer);
    else this.waiting.push({ id, task, transfer });
    return p;
  }

  /** Results in task order; at most `window` tasks are queued or running at once. */
  async *map(tasks: Iterable<T>, transfer: (t: T) => ArrayBuffer[] = () => [], window = this.size * 3): AsyncGenerator<R> {
    const queue: Promise<R>[] = [];
    for (const t of tasks) {
      queue.push(this.run(t, transfer(t)));
      if (queue.length >= window) yield await queue.shift()!;
    }
    while (queue.length) yield await queue.shift()!;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker side: answer each task with `handle`'s result (errors are sent back, never thrown). */
export function serveTasks<T, R>(port: import('node:worker_threads').MessagePort, handle: (t: T) => { result: R; transfer?: ArrayBuffer[] }): void {
  port.on('message', (m: { id: number; task: T }) => {
    try {
      const { result, transfer } = handle(m.task);
      port.postMessage({ id: m.id, result }, transfer ?? []);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
}
