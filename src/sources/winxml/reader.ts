// Streaming reader for rendered Windows event XML files: each <Event> as an evtx-to-JSON record (the
// shape src/events/normalize.ts toEvent reads), or an error naming the line where the event starts.
// UTF-8 (with or without a BOM) is the normal encoding; UTF-16 with a BOM (what Windows PowerShell's
// Out-File writes) is read too. Memory is bounded by the largest event (WinXmlSplitter).
import { createReadStream } from 'node:fs';
import { firstInvalidUtf8 } from '../../util/utf8.js';
import { WinXmlSplitter, type SplitterOptions, type WinXmlItem } from './splitter.js';

export type { WinXmlItem } from './splitter.js';
export { MAX_EVENT_CHARS, MAX_DEPTH, WinXmlSplitter } from './splitter.js';

/** Bytes at the end of `b` that start a UTF-8 sequence the next chunk has to complete. */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return 0;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return need > k ? k : 0;
  }
  return 0;
}

export async function* readWinXmlEvents(path: string, opts: SplitterOptions = {}): AsyncGenerator<WinXmlItem> {
  const splitter = new WinXmlSplitter(opts);
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let encoding: 'utf-8' | 'utf-16le' | 'utf-16be' | null = null;
  let utf16: InstanceType<typeof TextDecoder> | null = null;
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true } /* chunks are decoded one by one: a BOM is kept as U+FEFF, which is text outside any event */);
  let carry: Buffer = Buffer.alloc(0); // an incomplete UTF-8 sequence from the previous chunk
  let offset = 0; // file offset of carry[0]
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (encoding === null) {
        const b0 = chunk[0], b1 = chunk[1];
        encoding = b0 === 0xff && b1 === 0xfe ? 'utf-16le' : b0 === 0xfe && b1 === 0xff ? 'utf-16be' : 'utf-8';
        if (encoding !== 'utf-8') utf16 = new TextDecoder(encoding, { fatal: true });
      }
      if (utf16) {
        // UTF-16: a bad code unit stops the file (the events before it are read).
        let s: string;
        try {
          s = utf16.decode(chunk, { stream: true });
        } catch {
          splitter.corrupt(`not valid ${encoding!.toUpperCase()} in the bytes from offset ${offset}`, true);
          for (const it of splitter.end()) yield it;
          return;
        }
        offset += chunk.length;
        for (const it of splitter.push(s)) yield it;
        continue;
      }
      // UTF-8: complete sequences are decoded; bad bytes are reported (the event holding them is
      // skipped) and decoding resumes after them.
      let data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = data.length - incompleteTail(data);
      carry = Buffer.from(data.subarray(cut));
      data = data.subarray(0, cut);
      while (data.length) {
        let s: string | null = null;
        try { s = utf8.decode(data); } catch { /* bad bytes: located below */ }
        if (s !== null) {
          for (const it of splitter.push(s)) yield it;
          offset += data.length;
          break;
        }
        const bad = Math.max(0, firstInvalidUtf8(data));
        for (const it of splitter.push(data.subarray(0, bad).toString('utf8'))) yield it;
        splitter.corrupt(`not valid UTF-8 (byte 0x${data[bad]!.toString(16).padStart(2, '0')} at offset ${offset + bad})`);
        for (const it of splitter.push('')) yield it;
        offset += bad + 1;
        data = data.subarray(bad + 1);
      }
    }
    if (carry.length) {
      splitter.corrupt(`not valid UTF-8 (an incomplete character at offset ${offset}, the end of the file)`);
    }
    if (utf16) {
      try {
        const tail = utf16.decode();
        if (tail) for (const it of splitter.push(tail)) yield it;
      } catch {
        splitter.corrupt(`not valid ${encoding!.toUpperCase()} at the end of the file (an incomplete character)`);
      }
    }
    for (const it of splitter.end()) yield it;
  } finally {
    stream.destroy();
  }
}
