// The mail-flow stage on its own: message assembly across files and servers (out of order, joined
// by message-id and internal-message-id), in-flight mail at the end, the open-message cap, the
// per-message derivation and the same-log baselines, and the run-wide findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Event, FieldValue } from '../../src/events/model.js';
import { mailflowConfig, parseMailflowConfig, MailflowConfigError, type MailflowConfig } from '../../src/mailflow/config.js';
import { MailflowStage } from '../../src/mailflow/stage.js';
import { riseFindings, unregisteredAgentFindings } from '../../src/mailflow/findings.js';
import { isNight } from '../../src/mailflow/derive.js';
import { customDataPairs, fileFamily } from '../../src/mailflow/tracking.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath } from '../../src/util/package-root.js';
import { findingRecord } from '../../src/report/schema.js';
import { validate, type Schema } from '../report/json-schema-lite.js';
import { playbookStep } from '../../src/knowledge/playbook.js';
import type { Finding } from '../../src/findings/model.js';

const SCHEMA = JSON.parse(readFileSync(join(dataPath('..'), 'schemas', 'finding.schema.json'), 'utf8')) as Schema;
function assertValid(f: Finding): void {
  assert.deepEqual(validate(findingRecord(f), SCHEMA), [], f.title);
}

const T0 = Date.parse('2024-05-06T08:00:00Z');
const MIN = 60_000;
let line = 0;

interface Line { t: number; id: string; src: string; server?: string; file?: string; mid?: string; iid?: string; to?: string[]; from?: string; related?: string[]; ctx?: string; custom?: string; size?: number }
function ev(l: Line): Event {
  const server = l.server ?? 'EX01';
  const fields: Record<string, FieldValue> = { 'event-id': l.id, source: l.src, 'server-hostname': server };
  if (l.mid) fields['message-id'] = l.mid;
  if (l.iid) fields['internal-message-id'] = l.iid;
  if (l.to) fields['recipient-address'] = l.to;
  if (l.from) fields['sender-address'] = l.from;
  if (l.related) fields['related-recipient-address'] = l.related;
  if (l.ctx) fields['source-context'] = l.ctx;
  if (l.custom) fields['custom-data'] = l.custom;
  if (l.size !== undefined) fields['total-bytes'] = l.size;
  return { ref: { file: l.file ?? `/logs/${server}/MSGTRK2024050608-1.LOG`, kind: 'exchangelog', line: ++line }, time: l.t, host: server, logsource: { product: 'exchange', service: 'messagetracking' }, fields };
}

function runAll(events: Event[], opts: { config?: MailflowConfig; orgDomains?: string[] } = {}) {
  const st = new MailflowStage(opts);
  const out: Event[] = [];
  for (const e of events) out.push(...st.push(e));
  out.push(...st.finish());
  return { st, out, byId: (id: string) => out.filter((m) => m.fields['message_id'] === id) };
}

/** ordinary traffic on one server: inbound mail delivered, every `every` minutes from `start` */
function traffic(server: string, start: number, n: number, every = 5, file?: string): Event[] {
  const out: Event[] = [];
  for (let i = 0; i < n; i++) {
    const t = start + i * every * MIN, mid = `<bg.${server}.${i}@fabrikam.example>`, iid = `${server}-${i}`;
    out.push(ev({ t, id: 'RECEIVE', src: 'SMTP', server, file, mid, iid, to: ['alice@contoso.com'], from: 'sam@fabrikam.example' }));
    out.push(ev({ t: t + 1000, id: 'DELIVER', src: 'STOREDRIVER', server, file, mid, iid, to: ['alice@contoso.com'], from: 'sam@fabrikam.example' }));
  }
  return out;
}

test('one message across two servers (different internal ids) is one message, delivered on the second', () => {
  const mid = '<m1@fabrikam.example>';
  const { byId } = runAll([
    ...traffic('EX01', T0, 3),
    ev({ t: T0 + MIN, id: 'RECEIVE', src: 'SMTP', server: 'EX01', mid, iid: '11', to: ['bob@contoso.com'], from: 'sam@fabrikam.example', size: 5000 }),
    ev({ t: T0 + MIN + 1000, id: 'SEND', src: 'SMTP', server: 'EX01', mid, iid: '11', to: ['bob@contoso.com'] }),
    ev({ t: T0 + MIN + 2000, id: 'RECEIVE', src: 'SMTP', server: 'EX02', mid, iid: '92', to: ['bob@contoso.com'], from: 'sam@fabrikam.example' }),
    ev({ t: T0 + MIN + 3000, id: 'DELIVER', src: 'STOREDRIVER', server: 'EX02', mid, iid: '92', to: ['bob@contoso.com'] }),
  ]);
  const m = byId(mid);
  assert.equal(m.length, 1);
  const f = m[0]!.fields;
  assert.deepEqual(f['servers'], ['ex01', 'ex02']);
  assert.deepEqual(f['internal_message_ids'], ['ex01|11', 'ex02|92']);
  assert.equal(f['origin'], 'SMTP');
  assert.equal(f['origin_host'], 'ex01');
  assert.deepEqual(f['delivered'], ['bob@contoso.com']);
  assert.deepEqual(f['sent'], ['bob@contoso.com']);
  assert.equal(f['vanished'], false);
  assert.equal(f['size'], 5000);
});

test('lines without a message-id join their message by the server\'s internal-message-id', () => {
  const mid = '<m2@contoso.com>';
  const { out, byId } = runAll([
    ev({ t: T0, id: 'RECEIVE', src: 'STOREDRIVER', mid, iid: '7', to: ['kim@northwind.example'], from: 'alice@contoso.com' }),
    ev({ t: T0 + 1000, id: 'SEND', src: 'SMTP', iid: '7', to: ['kim@northwind.example'] }),
    // the same internal id on another server is another message
    ev({ t: T0 + 2000, id: 'RECEIVE', src: 'SMTP', server: 'EX02', iid: '7', to: ['x@contoso.com'] }),
  ]);
  assert.equal(out.length, 2);
  assert.deepEqual(byId(mid)[0]!.fields['sent'], ['kim@northwind.example']);
});

test('files of two servers read one after the other: the second server\'s messages are not closed early by the first one\'s later times', () => {
  // EX01's file covers two days and is read first; EX02's file, read after it, starts on day one
  const ex01 = traffic('EX01', T0, 600, 5);
  const ex02 = traffic('EX02', T0, 600, 5);
  const { out, st } = runAll([...ex01, ...ex02]);
  assert.equal(out.length, 1200);
  assert.equal(out.filter((m) => m.fields['vanished'] === true).length, 0);
  assert.ok(out.every((m) => m.fields['outcome'] === 'delivered'), JSON.stringify(out.find((m) => m.fields['outcome'] !== 'delivered')?.fields));
  const r = st.result();
  // messages were closed as the logs went on, not all kept to the end
  assert.ok(r.stats.openPeak < 700, `open peak ${r.stats.openPeak}`);
});

test('a family of files of one server read out of time order still joins; the Mailbox Transport half read later is a continuation', () => {
  const mid = '<m3@fabrikam.example>';
  const hub = [ev({ t: T0 + 10 * MIN, id: 'RECEIVE', src: 'SMTP', mid, iid: '5', to: ['carol@contoso.com'], from: 'sam@fabrikam.example', file: '/logs/EX01/MSGTRK2024050608-1.LOG' }),
    ev({ t: T0 + 10 * MIN + 1000, id: 'SEND', src: 'SMTP', mid, iid: '5', to: ['carol@contoso.com'], file: '/logs/EX01/MSGTRK2024050608-1.LOG' }),
    ...traffic('EX01', T0 + 11 * MIN, 600, 5, '/logs/EX01/MSGTRK2024050608-1.LOG')];
  const md = [ev({ t: T0 + 10 * MIN + 2000, id: 'RECEIVE', src: 'SMTP', mid, iid: '6', to: ['carol@contoso.com'], file: '/logs/EX01/MSGTRKMD2024050608-1.LOG' }),
    ev({ t: T0 + 10 * MIN + 3000, id: 'DELIVER', src: 'STOREDRIVER', mid, iid: '6', to: ['carol@contoso.com'], file: '/logs/EX01/MSGTRKMD2024050608-1.LOG' })];
  const { byId, st } = runAll([...hub, ...md]);
  const parts = byId(mid);
  assert.equal(parts.length, 2, 'the hub half closed long before the delivery half was read');
  assert.equal(parts[0]!.fields['continuation'], false);
  assert.equal(parts[1]!.fields['continuation'], true);
  assert.ok(parts.every((p) => p.fields['vanished'] === false));
  assert.equal(st.result().stats.continuations, 1);
  assert.notEqual(fileFamily('/logs/EX01/MSGTRK2024050608-1.LOG'), fileFamily('/logs/EX01/MSGTRKMD2024050608-1.LOG'));
  assert.equal(fileFamily('/logs/EX01/MSGTRK2024050608-1.LOG'), fileFamily('/logs/EX01/MSGTRK2024050709-3.LOG'));
});

test('mail still in flight at the end of the logs is reported as such; mail long quiet before the end has vanished', () => {
  const end = T0 + 300 * MIN;
  const { byId } = runAll([
    ...traffic('EX01', T0, 61, 5),
    ev({ t: T0 + 30 * MIN, id: 'RECEIVE', src: 'SMTP', mid: '<gone@c2.example>', iid: 'g', to: ['alice@contoso.com'], from: 'info@c2.example' }),
    ev({ t: end - 5 * MIN, id: 'RECEIVE', src: 'SMTP', mid: '<late@fabrikam.example>', iid: 'l', to: ['alice@contoso.com'], from: 'sam@fabrikam.example' }),
  ]);
  const gone = byId('<gone@c2.example>')[0]!.fields, late = byId('<late@fabrikam.example>')[0]!.fields;
  assert.equal(gone['vanished'], true);
  assert.equal(gone['outcome'], 'vanished');
  assert.deepEqual(gone['unaccounted'], ['alice@contoso.com']);
  assert.equal(late['vanished'], false);
  assert.equal(late['in_flight'], true);
  assert.equal(late['outcome'], 'in_flight');
});

test('benign endings are not vanishing: NDR, malware drop, redirect, group expansion, shadow copy, deferral, moderation, submission', () => {
  const end = T0 + 600 * MIN;
  const m = (i: number) => `<b${i}@x.example>`;
  const t = T0 + 10 * MIN;
  const lines: Line[] = [
    { t, id: 'RECEIVE', src: 'SMTP', mid: m(1), iid: '1', to: ['nobody@contoso.com'] }, { t: t + 1, id: 'FAIL', src: 'ROUTING', mid: m(1), iid: '1', to: ['nobody@contoso.com'] }, { t: t + 1, id: 'DSN', src: 'DSN', mid: m(1), iid: '1', to: ['nobody@contoso.com'] },
    { t, id: 'RECEIVE', src: 'SMTP', mid: m(2), iid: '2', to: ['bob@contoso.com'] }, { t: t + 1, id: 'DROP', src: 'AGENT', ctx: 'Malware Agent', mid: m(2), iid: '2', to: ['bob@contoso.com'] },
    { t, id: 'RECEIVE', src: 'SMTP', mid: m(3), iid: '3', to: ['sales@contoso.com'] }, { t: t + 1, id: 'REDIRECT', src: 'ROUTING', mid: m(3), iid: '3', to: ['carol@contoso.com'], related: ['sales@contoso.com'] }, { t: t + 2, id: 'DELIVER', src: 'STOREDRIVER', mid: m(3), iid: '3', to: ['carol@contoso.com'] },
    { t, id: 'RECEIVE', src: 'SMTP', mid: m(4), iid: '4', to: ['team@contoso.com'] }, { t: t + 1, id: 'EXPAND', src: 'ROUTING', mid: m(4), iid: '4', to: ['a@contoso.com', 'b@contoso.com'], related: ['team@contoso.com'] }, { t: t + 2, id: 'DELIVER', src: 'STOREDRIVER', mid: m(4), iid: '4', to: ['a@contoso.com', 'b@contoso.com'] },
    { t, id: 'HARECEIVE', src: 'SMTP', mid: m(5), iid: '5', to: ['d@contoso.com'] }, { t: t + 1, id: 'HADISCARD', src: 'REDUNDANCY', mid: m(5), iid: '5', to: ['d@contoso.com'] },
    { t, id: 'RECEIVE', src: 'STOREDRIVER', mid: m(6), iid: '6', to: ['kim@northwind.example'] }, { t: t + 1, id: 'DEFER', src: 'SMTP', mid: m(6), iid: '6', to: ['kim@northwind.example'] },
    { t, id: 'RECEIVE', src: 'SMTP', mid: m(7), iid: '7', to: ['board@contoso.com'] }, { t: t + 1, id: 'INITMESSAGECREATED', src: 'APPROVAL', mid: m(7), iid: '7', to: ['board@contoso.com'] },
    { t, id: 'SUBMIT', src: 'STOREDRIVER', mid: m(8), iid: '8', to: ['bob@contoso.com'] },
  ];
  const { byId } = runAll([...lines.map(ev), ev({ t: end, id: 'RECEIVE', src: 'SMTP', mid: '<last@x>', iid: 'z', to: ['a@contoso.com'] })]);
  const expect: [number, string][] = [[1, 'failed'], [2, 'dropped'], [3, 'delivered'], [4, 'delivered'], [5, 'shadow'], [6, 'deferred'], [7, 'held_for_approval'], [8, 'none']];
  for (const [i, outcome] of expect) {
    const f = byId(m(i))[0]!.fields;
    assert.equal(f['vanished'], false, `${m(i)}: ${JSON.stringify(f)}`);
    if (i !== 8) assert.equal(f['outcome'], outcome, m(i));
  }
  assert.deepEqual(byId(m(2))[0]!.fields['drop_reasons'], ['Malware Agent']);
  assert.deepEqual(byId(m(3))[0]!.fields['redirected'], ['sales@contoso.com']);
  assert.deepEqual(byId(m(4))[0]!.fields['expanded_groups'], ['team@contoso.com']);
  assert.deepEqual(byId(m(8))[0]!.fields['message_outcomes'], ['SUBMIT']);
});

test('recipients added in transit: explained by EXPAND, REDIRECT, a transport rule or journaling, or not at all', () => {
  const t = T0;
  const lines: Line[] = [
    // delivery evidence makes contoso.com the organisation's
    { t, id: 'DELIVER', src: 'STOREDRIVER', mid: '<seed@x>', iid: 's', to: ['alice@contoso.com'] },
    { t, id: 'RECEIVE', src: 'SMTP', mid: '<hidden@x>', iid: 'h', to: ['ceo@contoso.com'], from: 'sam@fabrikam.example' },
    { t: t + 1, id: 'DELIVER', src: 'STOREDRIVER', mid: '<hidden@x>', iid: 'h', to: ['ceo@contoso.com'] },
    { t: t + 1, id: 'SEND', src: 'SMTP', mid: '<hidden@x>', iid: 'h', to: ['copy@collector.example'] },
    { t, id: 'RECEIVE', src: 'STOREDRIVER', mid: '<dl@x>', iid: 'd', to: ['partners@contoso.com'], from: 'alice@contoso.com' },
    { t: t + 1, id: 'EXPAND', src: 'ROUTING', mid: '<dl@x>', iid: 'd', to: ['kim@northwind.example'], related: ['partners@contoso.com'] },
    { t: t + 2, id: 'SEND', src: 'SMTP', mid: '<dl@x>', iid: 'd', to: ['kim@northwind.example'] },
    { t, id: 'RECEIVE', src: 'STOREDRIVER', mid: '<etr@x>', iid: 'e', to: ['kim@northwind.example'], from: 'cfo@contoso.com' },
    { t: t + 1, id: 'AGENTINFO', src: 'AGENT', mid: '<etr@x>', iid: 'e', to: ['kim@northwind.example'], custom: 'S:TRA=ETRP|ruleId=95438436-8007-4b79-a109-1f25412ad439|Actions=BCC' },
    { t: t + 2, id: 'SEND', src: 'SMTP', mid: '<etr@x>', iid: 'e', to: ['kim@northwind.example', 'hold@archive.example'] },
    { t, id: 'RECEIVE', src: 'STOREDRIVER', mid: '<jn@x>', iid: 'j', to: ['kim@northwind.example'], from: 'bob@contoso.com' },
    { t: t + 1, id: 'AGENTINFO', src: 'AGENT', ctx: 'Journaling', mid: '<jn@x>', iid: 'j', to: ['kim@northwind.example'] },
    { t: t + 2, id: 'SEND', src: 'SMTP', mid: '<jn@x>', iid: 'j', to: ['kim@northwind.example', 'journal@archive.example'] },
  ];
  const { byId } = runAll(lines.map(ev));
  const f = (id: string) => byId(id)[0]!.fields;
  assert.deepEqual(f('<hidden@x>')['unexplained_outside'], ['copy@collector.example']);
  assert.deepEqual(f('<hidden@x>')['added_recipients'], ['copy@collector.example']);
  assert.deepEqual(f('<dl@x>')['explained_recipients'], ['kim@northwind.example (EXPAND)']);
  assert.equal(f('<dl@x>')['unexplained_outside'], undefined);
  assert.deepEqual(f('<etr@x>')['explained_recipients'], ['hold@archive.example (TRANSPORT_RULE)']);
  assert.deepEqual(f('<jn@x>')['explained_recipients'], ['journal@archive.example (JOURNAL)']);
  assert.equal(f('<jn@x>')['journaling'], true);
});

test('the open-message cap: the oldest opened is closed early, counted, and not judged', () => {
  const cfg: MailflowConfig = { ...mailflowConfig(), maxOpen: 10 };
  const lines = Array.from({ length: 100 }, (_, i) => ev({ t: T0 + i * 1000, id: 'RECEIVE', src: 'SMTP', mid: `<c${i}@x>`, iid: String(i), to: ['a@contoso.com'] }));
  const { out, st } = runAll(lines, { config: cfg });
  const r = st.result();
  assert.equal(out.length, 100);
  assert.equal(r.stats.openPeak, 10);
  assert.equal(r.stats.overflow, 90);
  assert.equal(r.stats.notJudged, 90);
  const early = out.filter((m) => m.fields['closed_by'] === 'overflow');
  assert.equal(early.length, 90);
  assert.ok(early.every((m) => m.fields['vanished'] === false && m.fields['outcome'] === 'not_judged'));
  // the last ten stay open to the end: in flight
  assert.ok(out.filter((m) => m.fields['closed_by'] === 'end').every((m) => m.fields['in_flight'] === true));
});

test('the recipient cap bounds each message and counts what it did not keep', () => {
  const cfg: MailflowConfig = { ...mailflowConfig(), maxRecipients: 5 };
  const to = Array.from({ length: 40 }, (_, i) => `u${i}@contoso.com`);
  const { out } = runAll([ev({ t: T0, id: 'RECEIVE', src: 'SMTP', mid: '<big@x>', iid: '1', to }), ev({ t: T0 + 1, id: 'DELIVER', src: 'STOREDRIVER', mid: '<big@x>', iid: '1', to })], { config: cfg });
  assert.equal((out[0]!.fields['recipients'] as string[]).length, 5);
  assert.equal(out[0]!.fields['recipients_not_kept'], 70);
});

test('organisation domains: learnt from deliveries and mailbox submissions (not from Pickup), given with --org-domain (subdomains too)', () => {
  const { st, byId } = runAll([
    ev({ t: T0, id: 'DELIVER', src: 'STOREDRIVER', mid: '<a@x>', iid: '1', to: ['alice@contoso.com'] }),
    ev({ t: T0, id: 'RECEIVE', src: 'STOREDRIVER', mid: '<b@x>', iid: '2', to: ['x@fabrikam.example'], from: 'bob@corp.contoso.net' }),
    ev({ t: T0, id: 'RECEIVE', src: 'PICKUP', mid: '<c@x>', iid: '3', to: ['y@fabrikam.example'], from: 'ceo@evil.example' }),
    ev({ t: T0 + 1, id: 'SEND', src: 'SMTP', mid: '<c@x>', iid: '3', to: ['y@fabrikam.example', 'z@eu.subsidiary.example'] }),
  ], { orgDomains: ['subsidiary.example'] });
  assert.deepEqual(st.result().orgDomains, ['contoso.com', 'corp.contoso.net']);
  assert.deepEqual(byId('<c@x>')[0]!.fields['outside_domains'], ['fabrikam.example']);
  assert.equal(byId('<c@x>')[0]!.fields['sender_internal'], false);
});

test('Pickup baseline: the reasons name what is new for this server and sender', () => {
  const lines: Event[] = [ev({ t: T0, id: 'DELIVER', src: 'STOREDRIVER', mid: '<d@x>', iid: 'd', to: ['alice@contoso.com'] })];
  for (let i = 0; i < 6; i++) {
    const t = T0 + (i + 1) * 60 * MIN;
    lines.push(ev({ t, id: 'RECEIVE', src: 'PICKUP', mid: `<mon${i}@x>`, iid: `m${i}`, to: ['ops@contoso.com'], from: 'monitor@contoso.com', size: 3000 }));
    lines.push(ev({ t: t + 1, id: 'DELIVER', src: 'STOREDRIVER', mid: `<mon${i}@x>`, iid: `m${i}`, to: ['ops@contoso.com'] }));
  }
  const night = Date.parse('2024-05-06T23:30:00Z');
  lines.push(ev({ t: night, id: 'RECEIVE', src: 'PICKUP', mid: '<big@x>', iid: 'b', to: ['ops@contoso.com'], from: 'monitor@contoso.com', size: 90_000 }));
  lines.push(ev({ t: night + 1, id: 'DELIVER', src: 'STOREDRIVER', mid: '<big@x>', iid: 'b', to: ['ops@contoso.com'] }));
  lines.push(ev({ t: night + MIN, id: 'RECEIVE', src: 'PICKUP', mid: '<lnr@x>', iid: 'r', to: ['info@c2.example'], from: 'alice@contoso.com', size: 200_000, custom: undefined }));
  lines.push(ev({ t: night + MIN + 1, id: 'AGENTINFO', src: 'AGENT', mid: '<lnr@x>', iid: 'r', to: ['info@c2.example'], custom: 'S:AMA=SUM|v=0|action=|error=|atch=1' }));
  lines.push(ev({ t: night + MIN + 2, id: 'SEND', src: 'SMTP', mid: '<lnr@x>', iid: 'r', to: ['info@c2.example'] }));
  const { byId } = runAll(lines);
  assert.deepEqual(byId('<mon0@x>')[0]!.fields['pickup_reasons'], ['new_sender']);
  assert.equal(byId('<mon3@x>')[0]!.fields['pickup_reasons'], undefined);
  assert.deepEqual(byId('<big@x>')[0]!.fields['pickup_reasons'], ['night', 'large']);
  assert.deepEqual(byId('<lnr@x>')[0]!.fields['pickup_reasons'], ['new_sender', 'outside_recipient', 'night', 'internal_sender_forged', 'attachments']);
  assert.equal(byId('<lnr@x>')[0]!.fields['attachments'], 1);
});

test('a rise in attachment-carrying outbound mail of one sender, against its earlier days; a steady sender is not a rise', () => {
  const lines: Event[] = [ev({ t: T0, id: 'DELIVER', src: 'STOREDRIVER', mid: '<d@x>', iid: 'd', to: ['alice@contoso.com', 'bob@contoso.com'] })];
  let n = 0;
  const send = (t: number, from: string, atch: number) => {
    const mid = `<o${++n}@contoso.com>`;
    lines.push(ev({ t, id: 'RECEIVE', src: 'STOREDRIVER', mid, iid: String(n), to: ['kim@northwind.example'], from, size: 20_000 }));
    lines.push(ev({ t: t + 1, id: 'AGENTINFO', src: 'AGENT', mid, iid: String(n), custom: `S:AMA=SUM|v=0|action=|error=|atch=${atch}` }));
    lines.push(ev({ t: t + 2, id: 'SEND', src: 'SMTP', mid, iid: String(n), to: ['kim@northwind.example'] }));
  };
  for (let d = 0; d < 5; d++) {
    const day = T0 + d * 1440 * MIN;
    send(day, 'alice@contoso.com', d === 4 ? 0 : 1);
    for (let k = 0; k < 3; k++) send(day + (k + 1) * 20 * MIN, 'bob@contoso.com', 1);
    if (d === 4) for (let k = 0; k < 8; k++) send(day + (k + 1) * 7 * MIN, 'alice@contoso.com', 2);
  }
  const { st } = runAll(lines);
  const rises = st.result().rises;
  assert.deepEqual(rises.map((r) => [r.by, r.key, r.day, r.heavy]), [['sender', 'alice@contoso.com', '2024-05-10', 8]]);
  const f = riseFindings(st.result(), playbookStep);
  assert.equal(f.length, 1);
  assertValid(f[0]!);
  assert.deepEqual(f[0]!.playbook?.map((s) => s.id), ['t2-trace-mail', 't2-scope-execution']);
  assert.equal(f[0]!.check, 'mailflow-outbound-rise');
  assert.equal(f[0]!.severity, 'medium');
  assert.ok(f[0]!.evidence.length >= 1);
});

test('agent names at work in the logs that no collected list registers; nothing without a list', () => {
  const { st } = runAll([
    ev({ t: T0, id: 'AGENTINFO', src: 'AGENT', ctx: 'Transport Rule Agent', mid: '<a@x>', iid: '1' }),
    ev({ t: T0, id: 'DROP', src: 'AGENT', ctx: 'Malware Agent', mid: '<b@x>', iid: '2', to: ['a@contoso.com'] }),
    ev({ t: T0 + 1, id: 'AGENTINFO', src: 'AGENT', ctx: 'Contoso Mail Helper', mid: '<c@x>', iid: '3' }),
    { ref: { file: '/logs/AgentLog20240506-1.LOG', kind: 'exchangelog', line: 9 }, time: T0, logsource: { product: 'exchange', service: 'agentlog' }, fields: { Agent: 'Content Filter Agent', Event: 'OnEndOfData', Action: 'AcceptMessage' } },
  ]);
  const r = st.result();
  assert.deepEqual(r.agents.map((a) => a.name), ['Content Filter Agent', 'Contoso Mail Helper', 'Malware Agent', 'Transport Rule Agent']);
  assert.deepEqual(unregisteredAgentFindings(r, [], mailflowConfig(), () => null), []);
  const f = unregisteredAgentFindings(r, ['Transport Rule Agent', 'Content Filter Agent'], mailflowConfig(), playbookStep);
  for (const x of f) assertValid(x);
  assert.deepEqual(f.map((x) => x.fields['agent']), ['Contoso Mail Helper']);
  assert.equal(f[0]!.severity, 'high');
  assert.equal(f[0]!.evidence[0]!.file, '/logs/EX01/MSGTRK2024050608-1.LOG');
});

test('helpers: night hours wrap midnight; custom-data pairs', () => {
  assert.equal(isNight(Date.parse('2024-05-06T21:00:00Z'), [20, 6]), true);
  assert.equal(isNight(Date.parse('2024-05-06T05:59:00Z'), [20, 6]), true);
  assert.equal(isNight(Date.parse('2024-05-06T06:00:00Z'), [20, 6]), false);
  assert.equal(isNight(Date.parse('2024-05-06T13:00:00Z'), [9, 17]), true);
  assert.equal(isNight(NaN, [20, 6]), false);
  assert.deepEqual(customDataPairs('S:AMA=SUM|v=0|atch=2;S:TRA=ETRP|ruleId=x;broken'), [['AMA', 'SUM|v=0|atch=2'], ['TRA', 'ETRP|ruleId=x'], ['broken', '']]);
});

test('the settings file: the shipped one parses; errors name the file and the key', () => {
  const file = dataPath('mailflow.yaml');
  const text = readFileSync(file, 'utf8');
  assert.equal(parseMailflowConfig(text, file).quietMs, 60 * MIN);
  assert.throws(() => parseMailflowConfig(text.replace('quiet_minutes: 60', 'quiet_minutes: soon'), 'm.yaml'), (e: Error) => e instanceof MailflowConfigError && /m\.yaml: assembly\.quiet_minutes/.test(e.message));
  assert.throws(() => parseMailflowConfig(text.replace('DELIVER: delivered', 'DELIVER: eaten'), 'm.yaml'), /m\.yaml: outcomes\.DELIVER: unknown outcome 'eaten'/);
  assert.throws(() => parseMailflowConfig(text.replace('night_hours: [20, 6]', 'night_hours: [20]'), 'm.yaml'), /baseline\.night_hours/);
  assert.throws(() => parseMailflowConfig('[', 'm.yaml'), /m\.yaml: not valid YAML/);
});

test('an internal-message-id reused by the server (a new queue database) never joins two message-ids', () => {
  const { out } = runAll([
    ev({ t: T0, id: 'RECEIVE', src: 'SMTP', mid: '<one@x>', iid: '42', to: ['a@contoso.com'] }),
    ev({ t: T0 + 1, id: 'RECEIVE', src: 'SMTP', mid: '<two@x>', iid: '42', to: ['b@contoso.com'] }),
    ev({ t: T0 + 2, id: 'DELIVER', src: 'STOREDRIVER', mid: '<two@x>', iid: '42', to: ['b@contoso.com'] }),
  ]);
  assert.deepEqual(out.map((m) => [m.fields['message_id'], m.fields['recipients']]), [['<one@x>', ['a@contoso.com']], ['<two@x>', ['b@contoso.com']]]);
});
