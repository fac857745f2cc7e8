// Buffered output to stdout or a file; a closed pipe (`| head`) ends output quietly.
import { openSync, writeSync, closeSync } from 'node:fs';

export class Sink {
  private buf: string[] = [];
  private size = 0;
  private fd: number;
  private own: boolean;
  closed = false;

  constructor(path?: string) {
    this.own = path !== undefined && path !== '-';
    this.fd = this.own ? openSync(path!, 'w') : 1;
  }

  write(s: string): void {
    if (this.closed) return;
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= 1 << 16) this.flush();
  }

  /** Bytes already encoded (UTF-8), written after anything buffered. */
  writeBytes(b: Uint8Array): void {
    if (this.closed) return;
    this.flush();
    this.writeAll(b);
  }

  flush(): void {
    if (this.closed || this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    this.buf = [];
    this.size = 0;
    this.writeAll(data);
  }

  private writeAll(data: Uint8Array): void {
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') { this.closed = true; return; }
        throw e;
      }
    }
  }

  end(): void {
    this.flush();
    if (this.own && !this.closed) closeSync(this.fd);
    this.closed = true;
  }
}
