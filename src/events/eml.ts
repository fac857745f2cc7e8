// A message file -> one Event, logsource {product: exchange, service: eml}. Field names follow
// Exchange's own (Get-MessageTrackingLog's PascalCase) where one exists. Recipients outside the
// organisation are inferred from the message: a recipient whose domain is neither the sender's
// domain nor below or above it (the rules add the organisation's other domains from tuning).
import { ownCopy } from '../util/own-record.js';
import { statSync } from 'node:fs';
import { EmlError, readEml, type EmlMessage } from '../sources/eml/reader.js';
import type { Event, FieldValue } from './model.js';
import { parseTimestamp } from '../util/time.js';

export const EML_LOGSOURCE = { product: 'exchange', service: 'eml' } as const;

const domainOf = (a: string | null) => (a && a.includes('@') ? a.slice(a.lastIndexOf('@') + 1).toLowerCase() : null);
const related = (a: string, b: string) => a === b || a.endsWith('.' + b) || b.endsWith('.' + a);
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/** Time: the Date header, else the newest Received header's date, else the file's modification time. */
function timeOf(m: EmlMessage, mtime: number): number {
  const d = m.date ? parseTimestamp(m.date) : NaN;
  if (!Number.isNaN(d)) return d;
  for (const r of m.received) {
    const at = r.lastIndexOf(';');
    if (at < 0) continue;
    const t = Date.parse(r.slice(at + 1).trim());
    if (!Number.isNaN(t)) return t;
  }
  return mtime;
}

export function emlEvent(m: EmlMessage, file: string, mtime: number): Event {
  // In Pickup and Replay files the envelope (X-Sender / X-Receiver) decides who gets the mail.
  const recipients = uniq([...m.xReceiver, ...m.to, ...m.cc, ...m.bcc].map((a) => a.toLowerCase()));
  const senderAddress = m.from ?? m.xSender ?? m.sender;
  const senderDomain = domainOf(senderAddress);
  const outside = senderDomain ? recipients.filter((r) => { const d = domainOf(r); return d !== null && !related(d, senderDomain); }) : [];
  const outsideDomains = uniq(outside.map((r) => domainOf(r)!));
  const xHeaders: Record<string, FieldValue> = {};
  for (const h of m.headers) {
    if (!/^x-/i.test(h.name)) continue;
    const prev = xHeaders[h.name];
    xHeaders[h.name] = prev === undefined ? h.value : ([] as FieldValue[]).concat(prev, h.value);
  }
  const a = m.attachments;
  const fields: Record<string, FieldValue> = {
    FileName: file, FolderKind: m.folder, MessageSize: m.size,
    From: m.from, FromDisplayName: m.fromName, Sender: m.sender, ReplyTo: m.replyTo, ReturnPath: m.returnPath,
    To: m.to, Cc: m.cc, Bcc: m.bcc, XSender: m.xSender, XReceiver: m.xReceiver,
    Recipients: recipients, RecipientCount: recipients.length,
    SenderDomain: senderDomain, RecipientDomains: uniq(recipients.map(domainOf).filter((d): d is string => d !== null)),
    OutsideRecipients: outside, OutsideRecipientDomains: outsideDomains, OutsideDomainCount: outsideDomains.length,
    // Scalar forms of the lists (';'-joined, as message tracking writes multiple values), for SIEM tables and rules.
    OutsideDomains: outsideDomains.join(';'),
    Subject: m.subject, Date: m.date, MessageId: m.messageId,
    Received: m.received, ReceivedCount: m.received.length,
    XHeaderNames: Object.keys(xHeaders), ...xHeaders,
    AttachmentCount: a.length + m.attachmentsDropped,
    AttachmentNames: a.map((x) => x.name ?? ''),
    AttachmentDeclaredTypes: a.map((x) => x.declaredType),
    AttachmentRealTypes: a.map((x) => x.realType ?? 'unknown'),
    AttachmentSizes: a.map((x) => x.size),
    AttachmentSha256: a.map((x) => x.sha256),
    AttachmentTypes: uniq(a.flatMap((x) => [x.declaredType, x.realType ?? 'unknown'])).join(';'),
    AttachmentMismatch: a.some((x) => x.mismatch !== null),
    AttachmentMismatches: a.flatMap((x) => (x.mismatch ? [`${x.name ?? '(no name)'}: ${x.mismatch}`] : [])),
    AttachmentTrailingData: a.some((x) => (x.trailingBytes ?? 0) > 0),
    AttachmentTrailingBytes: a.map((x) => x.trailingBytes ?? 0),
    Attachments: a.map((x) => ({ name: x.name, declaredType: x.declaredType, realType: x.realType, size: x.size, sha256: x.sha256, mismatch: x.mismatch, trailingBytes: x.trailingBytes, truncated: x.truncated })),
    ...(m.attachmentsDropped ? { AttachmentsNotDescribed: m.attachmentsDropped } : {}),
    ...(m.headersDropped ? { HeadersNotKept: m.headersDropped } : {}),
  };
  return { ref: { file, kind: 'eml' }, time: timeOf(m, mtime), logsource: { ...EML_LOGSOURCE }, fields: ownCopy(fields) };
}

/** One message file as the hunt reads it: its event, or why it could not be read. */
export async function* emlEvents(path: string, file: string): AsyncGenerator<{ kind: 'error'; line: number; message: string } | { kind: 'event'; line: number; event: Event; why: string }> {
  let m: EmlMessage;
  try { m = await readEml(path, file); } catch (e) {
    if (!(e instanceof EmlError)) throw e;
    yield { kind: 'error', line: 0, message: e.message };
    return;
  }
  yield { kind: 'event', line: 1, event: emlEvent(m, file, statSync(path).mtimeMs), why: '' };
}
