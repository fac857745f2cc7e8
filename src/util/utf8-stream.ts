// A file as a stream of UTF-8 text pieces. Invalid UTF-8 ends the stream with the exact byte and
// offset, after the valid text before it (so nothing before the bad byte is lost).
import { createReadStream } from 'node:fs';
import { firstInvalidUtf8 } from './utf8.js';

export type TextPiece = { text: string } | { invalid: { byte: number; offset: number; atEnd: boolean } };

/** Bytes at the end of `b` that start a UTF-8 sequence the next chunk has to complete. */
function incompleteTail(b: Uint8Array): number {
  for (let k = 1; k <= 3 && k <= b.length; k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    if (c < 0xc0) return 0;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return need > k ? k : 0;
  }
  return 0;
}

export async function* utf8Text(path: string): AsyncGenerator<TextPiece> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0; // bytes read before the current chunk
  let held: Buffer = Buffer.alloc(0); // the incomplete sequence the decoder holds from the last chunk
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let s: string;
      try {
        s = decoder.decode(chunk, { stream: true });
      } catch {
        const data = Buffer.concat([held, chunk]);
        const bad = Math.max(0, firstInvalidUtf8(data));
        if (bad > 0) yield { text: data.subarray(0, bad).toString('utf8') };
        yield { invalid: { byte: data[bad]!, offset: offset - held.length + bad, atEnd: false } };
        return;
      }
      const end = chunk.length >= 3 ? chunk : Buffer.concat([held, chunk]);
      held = Buffer.from(end.subarray(end.length - incompleteTail(end)));
      offset += chunk.length;
      if (s) yield { text: s };
    }
    try {
      const tail = decoder.decode();
      if (tail) yield { text: tail };
    } catch {
      yield { invalid: { byte: held[0] ?? 0, offset: offset - held.length, atEnd: true } };
    }
  } finally {
    stream.destroy();
  }
}

export function invalidMessage(p: { byte: number; offset: number; atEnd: boolean }): string {
  return p.atEnd
    ? 'not valid UTF-8 at the end of the file (an incomplete character)'
    : `not valid UTF-8 (byte 0x${p.byte.toString(16).padStart(2, '0')} at offset ${p.offset}); the rest of the file is not read`;
}
