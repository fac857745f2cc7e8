// .eml files: detection by content, the reader over real MIME shapes (multipart/mixed, base64,
// quoted-printable, folded headers, encoded words, Pickup envelope headers), attachments' real
// types and trailing data, bounds, malformed messages, and the hunt over folders and archives.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectKindOfBytes, detectKind } from '../../src/sources/detect.js';
import { inspectContent } from '../../src/sources/eml/content-type.js';
import { typeMismatch } from '../../src/sources/eml/attachment-types.js';
import { describeEml, EML_LIMITS, EmlError, folderKind, readEml } from '../../src/sources/eml/reader.js';
import { emlEvent } from '../../src/events/eml.js';
import { hunt } from '../../src/hunt/run.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { docx, encodedWord, gif, jpeg, message, pdf, peStub, png, qp, zip } from '../support/mail-samples.js';
import { makeZip } from '../support/zip-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'th-eml-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const cat = (...b: (Buffer | string)[]) => Buffer.concat(b.map((x) => (typeof x === 'string' ? Buffer.from(x, 'latin1') : x)));

test('detection: header blocks of messages and Pickup files are eml; CSV, logs and prose are not', () => {
  const k = (s: string) => detectKindOfBytes(Buffer.from(s, 'latin1'));
  assert.equal(k('From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\nbody'), 'eml');
  assert.equal(k('X-Sender: <a@b.example>\r\nX-Receiver: <c@d.example>\r\nSubject: x\r\n\r\n'), 'eml');
  assert.equal(k('Received: from x\r\n by y; Tue, 10 Nov 2026 09:00:00 +0000\r\nReceived: from z\r\nFrom: a@b\r\nDate: Tue, 10 Nov 2026 09:00:00 +0000\r\n'), 'eml');
  assert.equal(k('\ufeffFrom: a@b.example\nTo: c@d.example\nSubject: hi\n'), 'unknown', 'a UTF-16 BOM is not a message');
  assert.equal(k('Subject: only one field\r\n\r\n'), 'unknown');
  assert.equal(k('Note: x\r\nTodo: y\r\nDone: z\r\n'), 'unknown', 'fields, but not a message\'s');
  assert.equal(k('date-time,client-ip,event-id\r\n2026-01-01,1.2.3.4,RECEIVE\r\n'), 'csv');
  assert.equal(k(' folded first line: x\r\nFrom: a\r\nTo: b\r\n'), 'unknown');
  const file = join(dir, 'detect.eml');
  writeFileSync(file, message(['From: a@corp.example', 'To: b@corp.example', 'Subject: s', 'Date: Tue, 10 Nov 2026 09:00:00 +0000'], 'x'));
  assert.equal(detectKind(file), 'eml');
});

test('real types and end markers: proper files have no trailing data; appended bytes are counted', () => {
  const facts = (b: Buffer) => inspectContent(b);
  for (const [type, b] of [['jpeg', jpeg()], ['png', png()], ['gif', gif()], ['pdf', pdf()], ['zip', zip()], ['ooxml', docx()]] as const) {
    assert.deepEqual(facts(b), { type, trailingBytes: 0, truncated: false }, type);
    assert.deepEqual(facts(cat(b, 'HIDDEN-PAYLOAD')), { type, trailingBytes: 14, truncated: false }, `${type} + data`);
    assert.deepEqual(facts(cat(b, '\r\n\0\0')), { type, trailingBytes: 0, truncated: false }, `${type} + padding`);
  }
  // Multi-picture JPEG: the second frame is part of the image; data after it is not.
  assert.equal(facts(cat(jpeg('a'), jpeg('b'))).trailingBytes, 0);
  assert.equal(facts(cat(jpeg('a'), jpeg('b'), 'xyzxyz')).trailingBytes, 6);
  // An incremental PDF update ends with its own %%EOF.
  assert.equal(facts(pdf('x', true)).trailingBytes, 0);
  // A GIF comment holding the trailer byte is data, not the end.
  assert.equal(facts(cat(gif(), 'tail!')).trailingBytes, 5);
  // Cut short: the end is not found.
  const j = jpeg();
  assert.deepEqual(facts(j.subarray(0, j.length - 2)), { type: 'jpeg', trailingBytes: null, truncated: true });
  const p = png();
  assert.deepEqual(facts(p.subarray(0, p.length - 12)), { type: 'png', trailingBytes: null, truncated: true });
  assert.deepEqual(facts(Buffer.from('%PDF-1.4\n1 0 obj\n')), { type: 'pdf', trailingBytes: null, truncated: true });
  // Types without an end marker, text, and unknown bytes.
  assert.equal(facts(peStub()).type, 'pe');
  assert.equal(facts(Buffer.from('MZ not a pe')).type, 'text');
  assert.equal(facts(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])).type, 'ole');
  assert.equal(facts(Buffer.from('plain words\n')).type, 'text');
  assert.equal(facts(Buffer.from([0, 1, 2, 3, 0xfe])).type, null);
});

test('type mismatch: by declared type and by extension, with the accepted look-alikes', () => {
  assert.equal(typeMismatch('pe', 'application/pdf', 'Invoice.pdf'), 'declared application/pdf and named .pdf, but the content is pe');
  assert.equal(typeMismatch('zip', 'application/octet-stream', 'photo.JPG'), 'named .jpg, but the content is zip');
  assert.equal(typeMismatch('jpeg', 'image/jpeg', 'photo.jpg'), null);
  assert.equal(typeMismatch('text', 'application/vnd.ms-excel', 'figures.csv'), null);
  assert.equal(typeMismatch('ooxml', 'application/zip', 'x.zip'), null);
  assert.equal(typeMismatch('pe', 'application/octet-stream', 'tool.bin'), null, 'generic names say nothing');
  assert.equal(typeMismatch(null, 'image/jpeg', 'x.jpg'), null, 'unknown content is not judged');
});

test('the reader: envelope, addresses, encoded words, folded headers, received chain, X- headers and attachments', async () => {
  const subject = 'Sitzung – Entwurf ☀';
  const msg = message([
    'X-Sender: <a.weber@corp.example>', 'X-Receiver: <drop@relay.example.net>', 'X-Receiver: <j.doe@corp.example>',
    'Received: from EXCH01.corp.example (10.1.2.10) by EXCH02.corp.example\r\n with Microsoft SMTP Server id 15.2.1118.7; Tue, 10 Nov\r\n 2026 09:01:12 +0100',
    'Received: from relay.example.net (203.0.113.25) by EXCH01.corp.example; Tue, 10 Nov 2026 09:01:10 +0100',
    `From: ${encodedWord('Zoë Weber')} <a.weber@corp.example>`, 'To: drop@relay.example.net,\r\n\tJ Doe <j.doe@corp.example>', 'Cc: undisclosed-recipients:;',
    `Subject: ${encodedWord(subject)}`, 'Message-ID: <m1@corp.example>', 'X-Mailer: Tracehound Test 1.0', 'X-Custom-Id: 7',
  ], 'Grüße — äöü', [
    { type: 'image/jpeg', name: 'IMG_1.jpg', data: cat(jpeg(), 'SECRET') },
    { type: 'application/pdf', name: 'r.pdf', data: peStub() },
  ]);
  const m = await describeEml(msg, 'C:\\Exchange\\TransportRoles\\Pickup\\m1.eml');
  assert.equal(m.folder, 'Pickup');
  assert.equal(m.xSender, 'a.weber@corp.example');
  assert.deepEqual(m.xReceiver, ['drop@relay.example.net', 'j.doe@corp.example']);
  assert.equal(m.from, 'a.weber@corp.example');
  assert.equal(m.fromName, 'Zoë Weber');
  assert.deepEqual(m.to, ['drop@relay.example.net', 'j.doe@corp.example']);
  assert.equal(m.subject, subject);
  assert.equal(m.date, null);
  assert.equal(m.received.length, 2);
  assert.match(m.received[0]!, /by EXCH02\.corp\.example with Microsoft SMTP Server id 15\.2\.1118\.7; Tue, 10 Nov 2026 09:01:12 \+0100/);
  assert.deepEqual(m.attachments.map((a) => [a.name, a.declaredType, a.realType, a.trailingBytes]), [['IMG_1.jpg', 'image/jpeg', 'jpeg', 6], ['r.pdf', 'application/pdf', 'pe', null]]);
  const ev = emlEvent(m, 'Pickup/m1.eml', 0);
  assert.deepEqual(ev.logsource, { product: 'exchange', service: 'eml' });
  assert.equal(ev.time, Date.parse('2026-11-10T08:01:12Z'), 'no Date header: the newest Received date');
  assert.deepEqual(ev.fields['OutsideRecipients'], ['drop@relay.example.net']);
  assert.equal(ev.fields['OutsideDomainCount'], 1);
  assert.equal(ev.fields['X-Mailer'], 'Tracehound Test 1.0');
  assert.deepEqual(ev.fields['X-Receiver'], ['<drop@relay.example.net>', '<j.doe@corp.example>']);
  assert.equal(ev.fields['AttachmentMismatch'], true);
  assert.equal(ev.fields['AttachmentTrailingData'], true);
  assert.equal(ev.fields['AttachmentSizes']!.toString(), [jpeg().length + 6, 256].toString());
});

test('the SHA-256 is of the decoded attachment', async () => {
  const data = png();
  const m = await describeEml(message(['From: a@x.example', 'To: b@x.example', 'Subject: s'], 'b', [{ type: 'image/png', name: 'p.png', data }]), 'm.eml');
  const { createHash } = await import('node:crypto');
  assert.equal(m.attachments[0]!.sha256, createHash('sha256').update(data).digest('hex'));
  assert.equal(m.attachments[0]!.size, data.length);
});

test('malformed messages are read as far as they go, never thrown at the hunt', async () => {
  // No closing boundary, broken base64, a header line without a colon in the body, NUL bytes.
  const broken = cat('From: a@corp.example\r\nTo: b@partner.example\r\nSubject: broken\r\nContent-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\nContent-Type: image/jpeg; name="a.jpg"\r\nContent-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ!!!not base64\0\0\r\n');
  const m = await describeEml(broken, 'broken.eml');
  assert.equal(m.attachments.length, 1);
  assert.equal(m.attachments[0]!.name, 'a.jpg');
  // A header-only message; an empty From; quoted-printable soft breaks.
  const h = await describeEml(Buffer.from('From:\r\nTo: x@y.example\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n'), 'h.eml');
  assert.equal(h.from, null);
  assert.equal(h.subject, 'café');
  assert.equal(qp('a'.repeat(100)).split('\r\n').every((l) => l.length <= 76), true);
  // Nesting beyond the limit is refused with a reason.
  let nested = 'body\r\n';
  for (let i = 0; i < EML_LIMITS.nesting + 2; i++) nested = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${nested}\r\n--b${i}--\r\n`;
  await assert.rejects(describeEml(Buffer.from(`From: a@b.example\r\nTo: c@d.example\r\nSubject: deep\r\n${nested}`), 'deep.eml'), (e: Error) => e instanceof EmlError && /nest/i.test(e.message));
});

test('bounds: a message over the size limit is refused before reading; attachments past the cap are counted', async () => {
  const big = join(dir, 'big.eml');
  writeFileSync(big, 'From: a@b.example\r\nTo: c@d.example\r\nSubject: big\r\n\r\n');
  truncateSync(big, EML_LIMITS.messageBytes + 1);
  await assert.rejects(readEml(big), (e: Error) => e instanceof EmlError && e.message.includes(`over the ${EML_LIMITS.messageBytes}-byte limit`));
  const parts = Array.from({ length: EML_LIMITS.attachments + 3 }, (_, i) => ({ type: 'text/plain', name: `f${i}.txt`, data: Buffer.from(`file ${i}\n`) }));
  const m = await describeEml(message(['From: a@b.example', 'To: c@d.example', 'Subject: many'], 'x', parts), 'many.eml');
  assert.equal(m.attachments.length, EML_LIMITS.attachments);
  assert.equal(m.attachmentsDropped, 3);
  assert.equal(emlEvent(m, 'many.eml', 0).fields['AttachmentCount'], EML_LIMITS.attachments + 3);
});

test('folder kind from the path, archive members included', () => {
  assert.equal(folderKind('C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Pickup\\a.eml'), 'Pickup');
  assert.equal(folderKind('evidence/replay/x.eml'), 'Replay');
  assert.equal(folderKind('collect.zip!BadMail/y.eml'), 'BadMail');
  assert.equal(folderKind('saved/PickupNotes/x.eml'), '');
});

test('hunt: .eml files in folders and zip archives become exchange/eml events; an oversized one is reported, not read', async () => {
  const root = join(dir, 'hunt');
  mkdirSync(join(root, 'Pickup'), { recursive: true });
  const reply = message(['X-Sender: <a@corp.example>', 'X-Receiver: <x@relay.example.net>', 'From: a@corp.example', 'To: x@relay.example.net', 'Subject: r', 'Date: Tue, 10 Nov 2026 02:00:00 +0100'], 'x', [{ type: 'image/jpeg', name: 'i.jpg', data: jpeg() }]);
  writeFileSync(join(root, 'Pickup', 'mail1.eml'), reply);
  writeFileSync(join(root, 'bundle.zip'), makeZip([{ name: 'Replay/r1.eml', data: reply }]));
  writeFileSync(join(root, 'huge.eml'), 'From: a@b.example\r\nTo: c@d.example\r\nSubject: big\r\n\r\n');
  truncateSync(join(root, 'huge.eml'), EML_LIMITS.messageBytes + 10);
  const rules = new RuleSet([]);
  const events: { file: string; folder: unknown }[] = [];
  const s = await hunt({ paths: [root], ruleset: rules, threads: 0, onHit: () => {}, onEvent: (e) => events.push({ file: e.ref.file, folder: e.fields['FolderKind'] }) });
  assert.deepEqual(events.sort((a, b) => a.file.localeCompare(b.file)), [
    { file: `${join(root, 'bundle.zip')}!Replay/r1.eml`, folder: 'Replay' },
    { file: join(root, 'Pickup', 'mail1.eml'), folder: 'Pickup' },
  ]);
  assert.equal(s.eventsByKind['eml'], 2);
  assert.equal(s.recordProblems, 1);
  assert.equal(s.problems[0]!.file, join(root, 'huge.eml'));
  assert.match(s.problems[0]!.message, /over the .*-byte limit; not read/);
});
