#!/usr/bin/env node
// Writes samples/mail-flow/: two days of Exchange 2019 message tracking on EXCH01.corp.example
// (2026-11-10/11) with ordinary traffic and the mail-flow marks of a LightNeuron-style transport
// agent, plus the Pickup .eml of the agent's reply. Deterministic: same output on every run.
// Usage: node scripts/make-mail-samples.mjs [OUTDIR]   (default samples/mail-flow)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = process.argv[2] ?? join('samples', 'mail-flow');
const SERVER = 'EXCH01';
const FQDN = 'EXCH01.corp.example';
const IP = '10.20.0.11';
const VERSION = '15.02.1544.004';
const ORG = 'corp.example';
const FIELDS = ['date-time', 'client-ip', 'client-hostname', 'server-ip', 'server-hostname', 'source-context', 'connector-id', 'source', 'event-id', 'internal-message-id', 'message-id', 'network-message-id', 'recipient-address', 'recipient-status', 'total-bytes', 'recipient-count', 'related-recipient-address', 'reference', 'message-subject', 'sender-address', 'return-path', 'message-info', 'directionality', 'tenant-id', 'original-client-ip', 'original-server-ip', 'custom-data', 'transport-traffic-type', 'log-id', 'schema-version'];

// small deterministic generator (mulberry32)
let seed = 0x2611;
function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rnd() * a.length)];
const hex = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;

const users = ['a.weber', 'j.keller', 'm.braun', 's.vogel', 't.fischer', 'l.hoffmann', 'k.schulz', 'p.wagner'].map((u) => `${u}@${ORG}`);
const partners = [
  ['r.lindqvist', 'lindqvist-logistik.example'], ['sam', 'fabrikam.example'], ['kim', 'northwind.example'],
  ['ana', 'adatum.example'], ['lee', 'tailspin.example'], ['office', 'kanzlei-roth.example'],
];
const subjects = ['Lieferplan KW 46', 'Angebot 2026-118', 'Protokoll Projektrunde', 'Rechnung 4471', 'Termin Donnerstag', 'Entwurf Rahmenvertrag', 'Status Migration', 'Reisekosten Oktober', 'Quarterly figures', 'Meeting notes'];

const lines = { '1': [], '2': [] };
let imid = 51200000000000;
const iso = (ms) => new Date(ms).toISOString();
const T = (day, hh, mm, ss = 0) => Date.UTC(2026, 10, day, hh, mm, ss);
function cell(v) {
  const s = v == null ? '' : String(v);
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
function ev(ms, o) {
  const day = new Date(ms).getUTCDate() === 10 ? '1' : '2';
  const row = {
    'date-time': iso(ms), 'server-ip': IP, 'server-hostname': SERVER, 'transport-traffic-type': 'Email',
    'log-id': uuid(), 'schema-version': VERSION, ...o,
  };
  lines[day].push([ms, FIELDS.map((f) => cell(row[f])).join(',')]);
}
function msg(m) {
  const id = String(imid++);
  return { 'internal-message-id': id, 'message-id': m.mid, 'network-message-id': uuid(), 'total-bytes': m.size,
    'message-subject': m.subject, 'sender-address': m.from, 'return-path': m.from, directionality: m.dir };
}
const rcpt = (list, status) => ({ 'recipient-address': list.join(';'), 'recipient-count': list.length, ...(status ? { 'recipient-status': list.map(() => status).join(';') } : {}) });
const ama = (atch) => `S:AMA=SUM|v=0|action=|error=|atch=${atch};S:AMA=EV|engine=M|v=0|sig=1.409.211.0|name=|file=`;
const smtpIn = (ms, host, clientIp) => ({ 'client-ip': clientIp, 'client-hostname': host, 'source-context': `08DD0A1B2C3D4E5F;${iso(ms)};0`, 'connector-id': `${SERVER}\\Default Frontend ${SERVER}`, source: 'SMTP', 'event-id': 'RECEIVE', 'original-client-ip': clientIp, 'message-info': `${iso(ms - 1000)};SRV=${FQDN}:TOTAL-SUB=0.2` });
const store = (ms, client) => ({ 'client-ip': 'fe80::3c1a:9d2e:44b1:7a01%11', 'client-hostname': FQDN, 'source-context': `MDB:4c1e7a20-9b3d-4f6a-8e21-5d0c3b9a7f14, Mailbox:${uuid()}, Event:${Math.floor(rnd() * 9e6)}, MessageClass:IPM.Note, CreationTime:${iso(ms)}, ClientType:${client}`, source: 'STOREDRIVER', 'event-id': 'RECEIVE', 'message-info': `${iso(ms - 1000)};SRV=${FQDN}:TOTAL-SUB=0.1` });
const deliver = () => ({ 'client-ip': IP, 'client-hostname': SERVER, 'source-context': 'MDB:4c1e7a20-9b3d-4f6a-8e21-5d0c3b9a7f14, MessageClass:IPM.Note', source: 'STOREDRIVER', 'event-id': 'DELIVER', 'original-client-ip': IP });
const send = (ms) => ({ 'client-ip': IP, 'client-hostname': FQDN, 'server-ip': '198.51.100.40', 'source-context': `08DD0A1B2C3D4E60;250 2.0.0 OK;ClientSubmitTime:${iso(ms - 2000)}`, 'connector-id': 'Outbound to Internet', source: 'SMTP', 'event-id': 'SEND', 'original-client-ip': IP });
const agentinfo = (custom) => ({ source: 'AGENT', 'event-id': 'AGENTINFO', 'custom-data': custom });
let seq = 4000;
const mid = (dom) => `<${hex(8).toUpperCase()}.${seq++}@${dom}>`;

function inbound(ms, to, atch = 0) {
  const [u, d] = pick(partners);
  const m = msg({ mid: mid(d), size: 9000 + Math.floor(rnd() * 40000) + atch * 120000, subject: pick(subjects), from: `${u}@${d}`, dir: 'Incoming' });
  ev(ms, { ...smtpIn(ms, `mail.${d}`, `203.0.113.${10 + Math.floor(rnd() * 80)}`), ...m, ...rcpt([to]) });
  ev(ms + 1000, { ...agentinfo(ama(atch)), ...m, ...rcpt([to]) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt([to]) });
}
function outbound(ms, from, [u, d], atch = 0) {
  const to = `${u}@${d}`;
  const m = msg({ mid: mid(ORG), size: 8000 + Math.floor(rnd() * 30000) + atch * 90000, subject: `AW: ${pick(subjects)}`, from, dir: 'Originating' });
  ev(ms, { ...store(ms, pick(['Outlook', 'OWA', 'MOMT'])), ...m, ...rcpt([to]) });
  ev(ms + 1000, { ...agentinfo(`S:AMA=SUM|v=0|action=|error=|atch=${atch}`), ...m, ...rcpt([to]) });
  ev(ms + 2000, { ...send(ms + 2000), ...m, ...rcpt([to], '250 2.0.0 OK') });
}
function internal(ms, from, to) {
  const m = msg({ mid: mid(ORG), size: 6000 + Math.floor(rnd() * 20000), subject: pick(subjects), from, dir: 'Originating' });
  ev(ms, { ...store(ms, 'Outlook'), ...m, ...rcpt([to]) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt([to]) });
}
function probe(ms, n) {
  const m = msg({ mid: `<scom-probe.${n}@${ORG}>`, size: 2900, subject: 'SCOM mail flow probe', from: `scom-probe@${ORG}`, dir: 'Originating' });
  const to = [`mon-inbox@${ORG}`];
  ev(ms, { 'client-hostname': FQDN, 'source-context': `probe${n}.eml`, source: 'PICKUP', 'event-id': 'RECEIVE', ...m, ...rcpt(to), 'message-info': `${iso(ms - 1000)};SRV=${FQDN}:TOTAL-SUB=0.1` });
  ev(ms + 1000, { ...agentinfo('S:AMA=SUM|v=0|action=|error=|atch=0'), ...m, ...rcpt(to) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt(to) });
}

// --- ordinary traffic, 2026-11-10 00:00 to 2026-11-11 17:30 UTC ---
let n = 0;
for (const day of [10, 11]) {
  for (let h = 0; h < 24; h += 2) if (day === 10 || h <= 16) probe(T(day, h, 3), n++);
  for (let h = 7; h <= (day === 10 ? 17 : 16); h++) {
    inbound(T(day, h, 4 + Math.floor(rnd() * 10)), pick(users), rnd() < 0.25 ? 1 : 0);
    inbound(T(day, h, 31 + Math.floor(rnd() * 10)), pick(users));
    // every user writes from the mailbox on day one, so the sample knows them as mailboxes
    outbound(T(day, h, 17 + Math.floor(rnd() * 10)), day === 10 && h - 7 < users.length ? users[h - 7] : pick(users), partners[(h + day) % partners.length], rnd() < 0.3 ? 1 : 0);
    if (h % 2) outbound(T(day, h, 47), pick(users), pick(partners));
    internal(T(day, h, 52), pick(users), pick(users));
  }
}

// distribution group expansion (inbound to vertrieb@, expanded to three members)
{
  const ms = T(10, 9, 12);
  const m = msg({ mid: mid('northwind.example'), size: 31000, subject: 'Anfrage Rahmenvertrag', from: 'kim@northwind.example', dir: 'Incoming' });
  const members = [users[1], users[4], users[6]];
  ev(ms, { ...smtpIn(ms, 'mail.northwind.example', '203.0.113.44'), ...m, ...rcpt([`vertrieb@${ORG}`]) });
  ev(ms + 1000, { source: 'ROUTING', 'event-id': 'EXPAND', ...m, ...rcpt(members), 'related-recipient-address': `vertrieb@${ORG}` });
  ev(ms + 1500, { ...agentinfo(ama(0)), ...m, ...rcpt(members) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt(members) });
}
// NDR: unknown recipient, FAIL + DSN, and the NDR sent back to the outside sender
{
  const ms = T(10, 11, 22);
  const m = msg({ mid: mid('adatum.example'), size: 12000, subject: 'Bewerbung', from: 'ana@adatum.example', dir: 'Incoming' });
  const to = [`h.mueller@${ORG}`];
  ev(ms, { ...smtpIn(ms, 'mail.adatum.example', '203.0.113.61'), ...m, ...rcpt(to) });
  ev(ms + 1000, { source: 'ROUTING', 'event-id': 'FAIL', ...m, ...rcpt(to, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup') });
  ev(ms + 1000, { source: 'DSN', 'event-id': 'DSN', ...m, ...rcpt(to) });
  const sys = `MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@${ORG}`;
  const d = msg({ mid: mid(ORG), size: 17000, subject: 'Unzustellbar: Bewerbung', from: sys, dir: 'Originating' });
  ev(ms + 2000, { source: 'DSN', 'event-id': 'RECEIVE', ...d, ...rcpt(['ana@adatum.example']), reference: m['message-id'] });
  ev(ms + 3000, { ...send(ms + 3000), ...d, ...rcpt(['ana@adatum.example'], '250 2.0.0 OK') });
}
// malware filter drop
{
  const ms = T(10, 14, 8);
  const m = msg({ mid: mid('invoices-online.example'), size: 184000, subject: 'Rechnung offen - Zahlung faellig', from: 'billing@invoices-online.example', dir: 'Incoming' });
  const to = [users[3]];
  ev(ms, { ...smtpIn(ms, 'smtp.invoices-online.example', '192.0.2.77'), ...m, ...rcpt(to) });
  ev(ms + 1000, { ...agentinfo('S:AMA=SUM|v=0|action=r|error=|atch=1;S:AMA=EV|engine=M|v=0|sig=1.409.211.0|name=Trojan:O97M/Sadoca.C!ml|file=Rechnung_4471.docm'), ...m, ...rcpt(to) });
  ev(ms + 1000, { 'source-context': 'Malware Agent', source: 'AGENT', 'event-id': 'DROP', ...m, ...rcpt(to, '550 5.7.1 Malware detected') });
}
// transport rule: the CFO's mail to a partner is copied to the compliance mailbox
{
  const ms = T(11, 10, 36);
  const m = msg({ mid: mid(ORG), size: 64000, subject: 'Entwurf Rahmenvertrag v3', from: `cfo@${ORG}`, dir: 'Originating' });
  ev(ms, { ...store(ms, 'Outlook'), ...m, ...rcpt(['r.lindqvist@lindqvist-logistik.example']) });
  ev(ms + 1000, { 'source-context': 'Transport Rule Agent', ...agentinfo('S:TRA=ETRP|ruleId=7b1f3a52-0c9e-4d18-a6b2-93e5f0c47d21|st=2025-03-02T09:00:00.0000000Z|ExecW=0|ExecC=0|Conditions=FROM,T,0|Actions=BCC|DC=1'), ...m, ...rcpt(['r.lindqvist@lindqvist-logistik.example']) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt([`compliance@${ORG}`]) });
  ev(ms + 2000, { ...send(ms + 2000), ...m, ...rcpt(['r.lindqvist@lindqvist-logistik.example'], '250 2.0.0 OK') });
}

// --- the attack ---
// 1. command mail from outside, received and then nothing: the agent took it out of the flow
{
  const ms = T(11, 1, 38, 12);
  const m = msg({ mid: '<8E3A2F01.77@consult-bureau.example>', size: 41200, subject: 'Einladung Fachtagung', from: 'events@consult-bureau.example', dir: 'Incoming' });
  ev(ms, { ...smtpIn(ms, 'mx1.consult-bureau.example', '192.0.2.140'), ...m, ...rcpt([users[0]]) });
  ev(ms + 1000, { ...agentinfo(ama(1)), ...m, ...rcpt([users[0]]) });
}
// 2. the reply, written into Pickup at night in a.weber's name, to an address nobody wrote to
const REPLY = { file: 'mail2611110214.eml', mid: `<5eed7a11.3@${ORG}>`, from: users[0], to: 'postmaster@mailbox-relay.example.net', ms: T(11, 2, 14, 7) };
{
  const ms = REPLY.ms + 1000;
  const m = msg({ mid: REPLY.mid, size: 48700, subject: 'Re: Einladung Fachtagung', from: REPLY.from, dir: 'Originating' });
  ev(ms, { 'client-hostname': FQDN, 'source-context': REPLY.file, source: 'PICKUP', 'event-id': 'RECEIVE', ...m, ...rcpt([REPLY.to]), 'message-info': `${iso(REPLY.ms)};SRV=${FQDN}:TOTAL-SUB=0.1` });
  ev(ms + 1000, { ...agentinfo('S:AMA=SUM|v=0|action=|error=|atch=1'), ...m, ...rcpt([REPLY.to]) });
  ev(ms + 2000, { ...send(ms + 2000), ...m, ...rcpt([REPLY.to], '250 2.0.0 OK') });
}
// 3. a board member's mail to a colleague also leaves for an outside address nothing explains
{
  const ms = T(11, 13, 9);
  const m = msg({ mid: mid(ORG), size: 27500, subject: 'Vertraulich: Aufsichtsrat Vorlage', from: users[2], dir: 'Originating' });
  ev(ms, { ...store(ms, 'Outlook'), ...m, ...rcpt([users[5]]) });
  ev(ms + 1000, { ...agentinfo('S:AMA=SUM|v=0|action=|error=|atch=1'), ...m, ...rcpt([users[5]]) });
  ev(ms + 2000, { ...deliver(), ...m, ...rcpt([users[5]]) });
  ev(ms + 2000, { ...send(ms + 2000), ...m, ...rcpt(['sync@docs-archive.example.org'], '250 2.0.0 OK') });
}

// --- still in flight when the logs were collected (17:3x on day two) ---
for (const [mm, to] of [[31, users[1]], [33, users[7]]]) {
  const ms = T(11, 17, mm);
  const m = msg({ mid: mid('fabrikam.example'), size: 15000, subject: 'Kurze Frage', from: 'sam@fabrikam.example', dir: 'Incoming' });
  ev(ms, { ...smtpIn(ms, 'mail.fabrikam.example', '203.0.113.25'), ...m, ...rcpt([to]) });
}

// --- write ---
mkdirSync(join(OUT, 'EXCH01', 'MessageTracking'), { recursive: true });
mkdirSync(join(OUT, 'EXCH01', 'Pickup'), { recursive: true });
for (const [k, name, start] of [['1', 'MSGTRK2026111000-1.LOG', T(10, 0, 0)], ['2', 'MSGTRK2026111100-1.LOG', T(11, 0, 0)]]) {
  const body = lines[k].sort((a, b) => a[0] - b[0]).map((l) => l[1]);
  const head = ['#Software: Microsoft Exchange Server', `#Version: ${VERSION}`, '#Log-type: Message Tracking Log', `#Date: ${iso(start)}`, `#Fields: ${FIELDS.join(',')}`];
  writeFileSync(join(OUT, 'EXCH01', 'MessageTracking', name), '\ufeff' + [...head, ...body].join('\r\n') + '\r\n');
}

// the reply's Pickup file: a tiny valid JPEG (8x8 grey) with the agent's payload after its EOI
const jpeg = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD//gAMdHJhY2Vob3VuZP/bAEMAAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAf/AAAsIAAgACAEBEQD/xAAmAAEAAAAAAAAAAAAAAAAAAAAAEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAA/AD//2Q==', 'base64');
const payload = Buffer.from(Array.from({ length: 384 }, () => Math.floor(rnd() * 256)));
const att = Buffer.concat([jpeg, payload]).toString('base64').replace(/.{76}/g, '$&\r\n');
const B = '----=_NextPart_000_0A1B_01DD51E2.7F3C9A40';
const eml = [
  `X-Sender: <${REPLY.from}>`,
  `X-Receiver: <${REPLY.to}>`,
  `From: Dr. Anna Weber <${REPLY.from}>`,
  `To: ${REPLY.to}`,
  'Subject: Re: Einladung Fachtagung',
  'Date: Wed, 11 Nov 2026 03:14:07 +0100',
  `Message-ID: ${REPLY.mid}`,
  'MIME-Version: 1.0',
  `Content-Type: multipart/mixed; boundary="${B}"`,
  '',
  'This is a multi-part message in MIME format.',
  '',
  `--${B}`,
  'Content-Type: text/plain; charset="utf-8"',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Vielen Dank fuer die Einladung, anbei das Foto vom letzten Jahr.',
  'Anna',
  `--${B}`,
  'Content-Type: image/jpeg; name="IMG_2231.jpg"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="IMG_2231.jpg"',
  '',
  att,
  `--${B}--`,
  '',
].join('\r\n');
writeFileSync(join(OUT, 'EXCH01', 'Pickup', REPLY.file), eml);
console.log(`wrote ${OUT}: ${lines['1'].length + lines['2'].length} tracking lines, 1 Pickup message`);
