// Writes the fixtures of the T1505.002 mail rules (messages in Pickup/Replay folders, attachments):
// RFC 5322 messages of our own (multipart/mixed, base64 attachments, quoted-printable bodies,
// folded headers, UTF-8 encoded words) and the same events as flat JSON lines (the `exchange/eml`
// event fields, as `tracehound export` writes them). Deterministic. make-t1505.002.mjs runs it.
//   node --import tsx test/rules/fixture-gen/make-eml.ts [ROOT]
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { docx, encodedWord, gif, jpeg, message, pdf, peStub, png, zip, type Part } from '../../support/mail-samples.js';
import { describeEml } from '../../../src/sources/eml/reader.js';
import { emlEvent } from '../../../src/events/eml.js';

const ROOT = process.argv[2] ?? fileURLToPath(new URL('../../../rules/t1505.002/tests', import.meta.url));

const write = (rule: string, path: string, data: Buffer | string) => {
  const p = join(ROOT, rule, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
};

let n = 0;
/** Headers of a message file; Pickup and Replay files start with the envelope (X-Sender, X-Receiver). */
function headers(o: { from: string; to: string[]; cc?: string[]; subject: string; date: string; envelope?: boolean; received?: string[]; extra?: string[] }): string[] {
  n++;
  return [
    ...(o.envelope ? [`X-Sender: <${/<(.*)>/.exec(o.from)?.[1] ?? o.from}>`, ...[...o.to, ...(o.cc ?? [])].map((r) => `X-Receiver: <${/<(.*)>/.exec(r)?.[1] ?? r}>`)] : []),
    ...(o.received ?? []),
    `From: ${o.from}`,
    `To: ${o.to.join(',\r\n\t')}`,
    ...(o.cc ? [`Cc: ${o.cc.join(', ')}`] : []),
    `Subject: ${o.subject}`,
    `Date: ${o.date}`,
    `Message-ID: <${(0x5eed0000 + n).toString(16)}.${n}@${/@([^>]+)/.exec(o.from)![1]}>`,
    ...(o.extra ?? []),
  ];
}

/** The exchange/eml event of a message, as a flat JSON line (logsource keys and fields). */
async function jsonLine(bytes: Buffer, file: string): Promise<string> {
  const ev = emlEvent(await describeEml(bytes, file), file, 0);
  return JSON.stringify({ ...ev.logsource, time: new Date(ev.time).toISOString(), ...ev.fields, Attachments: undefined });
}

async function rule(name: string, files: Record<'positive' | 'negative', Record<string, Buffer>>): Promise<void> {
  for (const kind of ['positive', 'negative'] as const) {
    const lines: string[] = [];
    for (const [path, bytes] of Object.entries(files[kind])) {
      write(name, `${kind}/${path}`, bytes);
      // The JSON rendering names the server folder the file came from.
      lines.push(await jsonLine(bytes, `C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\${path.replace(/\//g, '\\')}`));
    }
    write(name, `${kind}/export.jsonl`, lines.join('\n') + '\n');
  }
}

const CEO = 'Dr. Anna Weber <a.weber@corp.example>';
const body = 'Guten Tag,\nanbei die Unterlagen zur Sitzung am Donnerstag. Grüße aus München.\nAnna';
const night = 'Tue, 10 Nov 2026 02:14:07 +0100';
const RECEIVED = [
  'Received: from EXCH01.corp.example (10.1.2.10) by EXCH02.corp.example\r\n (10.1.2.11) with Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.2.1118.7; Tue, 10 Nov\r\n 2026 09:01:12 +0100',
  'Received: from mail.partner.example (203.0.113.25) by EXCH01.corp.example\r\n (10.1.2.10) with Microsoft SMTP Server id 15.2.1118.7; Tue, 10 Nov 2026\r\n 09:01:10 +0100',
];
const withTrailer = (b: Buffer, extra: string) => Buffer.concat([b, Buffer.from(extra, 'latin1')]);

const jpg = (name = 'IMG_0412.jpg', data = jpeg()): Part => ({ type: 'image/jpeg', name, data });

await rule('th_exchange_pickup_mail_outside_with_attachment', {
  positive: {
    // The reply mail of an agent: forged internal sender, night, outside mailbox, a JPG.
    'Pickup/mail2611100214.eml': message(headers({ from: CEO, to: ['postmaster@mailbox-relay.example.net'], subject: encodedWord('Re: Sitzungsunterlagen – Entwurf'), date: night, envelope: true }), body, [jpg()]),
    // Replay: a PDF to an outside address and an internal one.
    'Replay/20261110-0315-001.eml': message(headers({ from: 'Finance <finance@corp.example>', to: ['j.doe@corp.example', 'archive@files.example.org'], subject: 'Monthly figures', date: 'Tue, 10 Nov 2026 03:15:00 +0100', envelope: true }), 'See attached.', [{ type: 'application/pdf', name: 'figures.pdf', data: pdf('Figures 11/2026') }]),
  },
  negative: {
    // A monitoring probe: plain text to an internal mailbox.
    'Pickup/probe-2611100300.eml': message(headers({ from: 'SCOM Probe <scom.probe@corp.example>', to: ['healthmailbox01@corp.example'], subject: 'Probe 2026-11-10 03:00', date: 'Tue, 10 Nov 2026 03:00:00 +0100', envelope: true, extra: ['X-MS-Exchange-Organization-Probe: true'] }), 'Mail flow probe.'),
    // A scanner's PDF to an internal address.
    'Pickup/scan0001.eml': message(headers({ from: 'MFP 3rd floor <scanner@corp.example>', to: ['j.doe@corp.example'], subject: 'Scan from MFP-3F', date: 'Tue, 10 Nov 2026 08:12:00 +0100', envelope: true }), 'Scanned document attached.', [{ type: 'application/pdf', name: 'scan0001.pdf', data: pdf('Scan 0001', true) }]),
    // A subdomain of the sender's domain is the organisation, and a plain-text report to a partner has no image.
    'Pickup/report.eml': message(headers({ from: 'Reports <reports@corp.example>', to: ['ops@eu.corp.example', 'noc@partner.example'], subject: 'Nightly report', date: 'Tue, 10 Nov 2026 04:00:00 +0100', envelope: true }), 'All jobs succeeded.', [{ type: 'text/csv', name: 'jobs.csv', data: Buffer.from('job,status\nbackup,ok\n') }]),
  },
});

await rule('th_exchange_mail_attachment_type_mismatch', {
  positive: {
    'saved/invoice.eml': message(headers({ from: 'Billing <billing@supplier.example>', to: ['ap@corp.example'], subject: 'Invoice 2026-1187', date: 'Mon, 9 Nov 2026 10:00:00 +0000', received: RECEIVED }), 'Please find the invoice attached.', [{ type: 'application/pdf', name: 'Invoice_2026-1187.pdf', data: peStub() }]),
    'Pickup/mail2611100230.eml': message(headers({ from: CEO, to: ['postmaster@mailbox-relay.example.net'], subject: 'Foto', date: night, envelope: true }), body, [jpg('IMG_0413.jpg', zip())]),
  },
  negative: {
    'saved/photos.eml': message(headers({ from: 'Ben <ben@partner.example>', to: ['a.weber@corp.example'], subject: `Fotos vom ${encodedWord('Betriebsausflug ☀')}`, date: 'Mon, 9 Nov 2026 18:00:00 +0000', received: RECEIVED }), 'Hier die Bilder.', [jpg(), { type: 'image/png', name: 'map.png', data: png() }, { type: 'image/gif', name: 'smile.gif', data: gif() }]),
    // CSV sent as Excel, a Word document, and an unlabelled binary: all consistent.
    'saved/minutes.eml': message(headers({ from: 'Clerk <clerk@corp.example>', to: ['board@corp.example'], subject: 'Minutes', date: 'Mon, 9 Nov 2026 12:00:00 +0000' }), 'Minutes and figures.', [
      { type: 'application/vnd.ms-excel', name: 'figures.csv', data: Buffer.from('quarter,revenue\nQ3,1200\n') },
      { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', name: 'minutes.docx', data: docx() },
      { type: 'application/octet-stream', name: 'data.bin', data: Buffer.from([0x00, 0x01, 0x02, 0xfe]) },
    ]),
  },
});

await rule('th_exchange_mail_attachment_trailing_data', {
  positive: {
    'Pickup/mail2611100245.eml': message(headers({ from: CEO, to: ['postmaster@mailbox-relay.example.net'], subject: 'Re: Bilder', date: night, envelope: true }), body, [jpg('IMG_0414.jpg', withTrailer(jpeg(), 'PK\x03\x04\x14\x00stolen-mail-archive'))]),
    'saved/contract.eml': message(headers({ from: 'Legal <legal@partner.example>', to: ['a.weber@corp.example'], subject: 'Contract draft', date: 'Mon, 9 Nov 2026 15:00:00 +0000', received: RECEIVED }), 'Draft attached.', [{ type: 'application/pdf', name: 'contract.pdf', data: withTrailer(pdf('Contract'), 'cmd=upload;id=7f3a;target=c:\\temp\\x.rar') }]),
  },
  negative: {
    // A plain JPEG, a phone's two-frame JPEG (the second frame after the first EOI), a PNG and a GIF.
    'saved/holiday.eml': message(headers({ from: 'Ben <ben@partner.example>', to: ['a.weber@corp.example'], subject: 'Urlaub', date: 'Mon, 9 Nov 2026 19:00:00 +0000', received: RECEIVED }), 'Grüße!', [jpg(), jpg('IMG_0001.jpg', Buffer.concat([jpeg('primary'), jpeg('preview')])), { type: 'image/png', name: 'map.png', data: png() }, { type: 'image/gif', name: 'smile.gif', data: gif() }]),
    // A scanner's PDF with an incremental update (two %%EOF) and a line end after the last one.
    'Pickup/scan0002.eml': message(headers({ from: 'MFP 3rd floor <scanner@corp.example>', to: ['j.doe@corp.example'], subject: 'Scan from MFP-3F', date: 'Tue, 10 Nov 2026 08:20:00 +0100', envelope: true }), 'Scanned document attached.', [{ type: 'application/pdf', name: 'scan0002.pdf', data: withTrailer(pdf('Scan 0002', true), '\r\n') }]),
  },
});

console.log('mail fixtures written to', ROOT);
