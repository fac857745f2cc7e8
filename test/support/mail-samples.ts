// Small, well-formed files of the formats mail attachments come in, built from their specifications
// (JPEG ITU T.81 with a one-code Huffman table, PNG with real zlib data and CRCs, GIF89a, PDF 1.4
// with a correct xref table, an Office Open XML zip), and RFC 5322 messages around them.
import { crc32, deflateSync } from 'node:zlib';
import { makeZip } from './zip-writer.js';

const seg = (marker: number, body: number[]) => [0xff, marker, ((body.length + 2) >> 8) & 0xff, (body.length + 2) & 0xff, ...body];

/** An 8x8 grey baseline JPEG (one block, DC difference 0, end of block), decodable by libjpeg. */
export function jpeg(comment = 'tracehound'): Buffer {
  const app0 = seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  const com = seg(0xfe, [...Buffer.from(comment)]);
  const dqt = seg(0xdb, [0x00, ...new Array<number>(64).fill(1)]);
  const sof = seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
  // One code each, of length 1: DC category 0, AC end of block.
  const dht = seg(0xc4, [0x00, 1, ...new Array<number>(15).fill(0), 0x00, 0x10, 1, ...new Array<number>(15).fill(0), 0x00]);
  const sos = seg(0xda, [1, 1, 0x00, 0, 63, 0]);
  return Buffer.from([0xff, 0xd8, ...app0, ...com, ...dqt, ...sof, ...dht, ...sos, 0x3f, 0xff, 0xd9]);
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A 4x4 RGB PNG. */
export function png(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0); ihdr.writeUInt32BE(4, 4); ihdr[8] = 8; ihdr[9] = 2;
  const rows = Buffer.concat(Array.from({ length: 4 }, () => Buffer.from([0, ...new Array<number>(12).fill(0x80)])));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A 1x1 GIF89a with a two-colour table and a comment extension. */
export function gif(): Buffer {
  return Buffer.from([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, // header, screen 1x1, global table of 2
    0, 0, 0, 0xff, 0xff, 0xff,
    0x21, 0xfe, 3, 0x61, 0x3b, 0x62, 0, // comment "a;b" (a trailer byte inside data)
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, // image descriptor
    2, 2, 0x44, 0x01, 0, // LZW minimum code size 2, one sub-block
    0x3b,
  ]);
}

/** A one-page PDF 1.4 with a correct cross-reference table; `update` appends an incremental update with its own %%EOF. */
export function pdf(text = 'Scan 0001', update = false): Buffer {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>',
  ];
  const stream = `BT /F1 12 Tf 20 50 Td (${text}) Tj ET`;
  objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => { offsets.push(Buffer.byteLength(out, 'latin1')); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  if (update) {
    const at = Buffer.byteLength(out, 'latin1');
    out += `5 0 obj\n<< /Producer (Scanner) >>\nendobj\n`;
    const x2 = Buffer.byteLength(out, 'latin1');
    out += `xref\n5 1\n${String(at).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 6 /Root 1 0 R /Info 5 0 R /Prev ${xref} >>\nstartxref\n${x2}\n%%EOF\n`;
  }
  return Buffer.from(out, 'latin1');
}

/** A minimal Word document (Office Open XML). */
export function docx(): Buffer {
  return makeZip([
    { name: '[Content_Types].xml', data: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>') },
    { name: 'word/document.xml', data: Buffer.from('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Minutes</w:t></w:r></w:p></w:body></w:document>') },
  ]);
}

/** A zip archive of one text file. */
export function zip(): Buffer {
  return makeZip([{ name: 'notes.txt', data: Buffer.from('collected\n') }]);
}

/** The first bytes of a Windows executable (DOS header pointing at a PE signature). */
export function peStub(): Buffer {
  const b = Buffer.alloc(0x100);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}

export interface Part { type: string; name?: string; data: Buffer; inline?: boolean }

const b64 = (b: Buffer) => b.toString('base64').replace(/.{1,76}/g, '$&\r\n');

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text, lines of at most 76 characters. */
export function qp(text: string): string {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let enc = '';
    for (const byte of Buffer.from(line, 'utf8')) enc += byte === 0x3d || byte > 0x7e || (byte < 0x20 && byte !== 0x09) ? `=${byte.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(byte);
    enc = enc.replace(/[ \t]$/, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    while (enc.length > 76) {
      let cut = 75;
      while (enc[cut - 1] === '=' || enc[cut - 2] === '=') cut--;
      out.push(enc.slice(0, cut) + '=');
      enc = enc.slice(cut);
    }
    out.push(enc);
  }
  return out.join('\r\n');
}

/** An RFC 2047 encoded word (UTF-8, base64). */
export const encodedWord = (s: string) => `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;

/** A message: the header lines as given (folded ones included), a quoted-printable text body, then base64 parts (multipart/mixed). */
export function message(headers: string[], body: string, parts: Part[] = [], boundary = '----=_Part_0_1234567890'): Buffer {
  const head = [...headers, 'MIME-Version: 1.0'];
  if (parts.length === 0) {
    head.push('Content-Type: text/plain; charset="utf-8"', 'Content-Transfer-Encoding: quoted-printable');
    return Buffer.from(`${head.join('\r\n')}\r\n\r\n${qp(body)}\r\n`, 'utf8');
  }
  head.push(`Content-Type: multipart/mixed;\r\n\tboundary="${boundary}"`);
  let out = `${head.join('\r\n')}\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--${boundary}\r\nContent-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qp(body)}\r\n`;
  for (const p of parts) {
    const disp = p.name ? `${p.inline ? 'inline' : 'attachment'};\r\n\tfilename="${p.name}"` : 'attachment';
    out += `--${boundary}\r\nContent-Type: ${p.type}${p.name ? `;\r\n\tname="${p.name}"` : ''}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: ${disp}\r\n\r\n${b64(p.data)}`;
  }
  return Buffer.from(`${out}--${boundary}--\r\n`, 'utf8');
}
