// RFC 5322 message files (.eml): Exchange's Pickup, Replay and BadMail folders, and saved mail.
// MIME is parsed by postal-mime; on top of it: the received chain, the X- headers, the Pickup
// headers (X-Sender, X-Receiver), and for each attachment its name, declared and real type, size,
// SHA-256, and data after the end of an image or document. Bounded: a message over
// EML_LIMITS.messageBytes is refused (reported, never read), and at most EML_LIMITS.attachments
// attachments are described.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import PostalMime, { type Address, type Email } from 'postal-mime';
import { inspectContent } from './content-type.js';
import { typeMismatch } from './attachment-types.js';

export const EML_LIMITS = { messageBytes: 50 * 1024 * 1024, attachments: 100, headers: 500, headerChars: 4000, nesting: 32 } as const;

export type FolderKind = 'Pickup' | 'Replay' | 'BadMail' | '';

export interface EmlAttachment {
  name: string | null;
  declaredType: string;
  realType: string | null;
  size: number;
  sha256: string;
  /** why the name or declared type does not fit the bytes, or null */
  mismatch: string | null;
  /** bytes after the image's or document's end marker (null when the format has none) */
  trailingBytes: number | null;
  /** the end marker was not found */
  truncated: boolean;
}

export interface EmlMessage {
  folder: FolderKind;
  size: number;
  headers: { name: string; value: string }[];
  /** headers beyond EML_LIMITS.headers (not kept) */
  headersDropped: number;
  from: string | null;
  fromName: string | null;
  sender: string | null;
  replyTo: string[];
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string | null;
  date: string | null;
  messageId: string | null;
  returnPath: string | null;
  /** Received headers, newest (top) first */
  received: string[];
  /** the Pickup and Replay envelope headers */
  xSender: string | null;
  xReceiver: string[];
  attachments: EmlAttachment[];
  attachmentsDropped: number;
}

export class EmlError extends Error {}

/** The folder kind from the path (any component named Pickup, Replay or BadMail; archive members too). */
export function folderKind(path: string): FolderKind {
  const parts = path.split(/[\\/!]/).map((p) => p.toLowerCase());
  if (parts.includes('pickup')) return 'Pickup';
  if (parts.includes('replay')) return 'Replay';
  if (parts.includes('badmail')) return 'BadMail';
  return '';
}

const mailboxes = (list: Address[] | Address | undefined): { address: string; name: string }[] =>
  (list === undefined ? [] : Array.isArray(list) ? list : [list]).flatMap((a) => (a.group ? a.group : [a])).filter((m) => m.address);

/** `<a@b>` or `a@b`, as one address (Pickup's X-Sender / X-Receiver take one each). */
const envelopeAddress = (v: string) => v.trim().replace(/^<(.*)>$/, '$1').replace(/\s.*$/, '');

/** Reads and describes one message file; throws EmlError for a file that is too large or that the parser refuses. */
export async function readEml(path: string, name: string = path): Promise<EmlMessage> {
  const size = statSync(path).size;
  if (size > EML_LIMITS.messageBytes) throw new EmlError(`message of ${size} bytes is over the ${EML_LIMITS.messageBytes}-byte limit; not read`);
  return describeEml(readFileSync(path), name);
}

export async function describeEml(bytes: Uint8Array, name: string): Promise<EmlMessage> {
  let email: Email;
  try {
    email = await PostalMime.parse(bytes, { attachmentEncoding: 'arraybuffer', maxNestingDepth: EML_LIMITS.nesting, rfc822Attachments: true });
  } catch (e) {
    throw new EmlError(`not a readable MIME message: ${(e as Error).message}`);
  }
  const headers = email.headers.slice(0, EML_LIMITS.headers).map((h) => ({ name: h.originalKey, value: h.value.slice(0, EML_LIMITS.headerChars) }));
  const values = (key: string) => email.headers.filter((h) => h.key === key).map((h) => h.value);
  const from = mailboxes(email.from)[0];
  const attachments = email.attachments.slice(0, EML_LIMITS.attachments).map((a): EmlAttachment => {
    const content = a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : typeof a.content === 'string' ? Buffer.from(a.content) : a.content;
    const facts = inspectContent(content);
    return {
      name: a.filename, declaredType: a.mimeType, realType: facts.type, size: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      mismatch: typeMismatch(facts.type, a.mimeType, a.filename),
      trailingBytes: facts.trailingBytes, truncated: facts.truncated,
    };
  });
  return {
    folder: folderKind(name), size: bytes.length, headers, headersDropped: Math.max(0, email.headers.length - EML_LIMITS.headers),
    from: from?.address ?? null, fromName: from?.name || null,
    sender: mailboxes(email.sender)[0]?.address ?? null,
    replyTo: mailboxes(email.replyTo).map((m) => m.address),
    to: mailboxes(email.to).map((m) => m.address), cc: mailboxes(email.cc).map((m) => m.address), bcc: mailboxes(email.bcc).map((m) => m.address),
    subject: email.subject ?? null, date: email.date ?? null, messageId: email.messageId ?? null, returnPath: email.returnPath ?? null,
    received: values('received').map((v) => v.slice(0, EML_LIMITS.headerChars)),
    xSender: values('x-sender').map(envelopeAddress)[0] ?? null,
    xReceiver: values('x-receiver').map(envelopeAddress).filter(Boolean),
    attachments, attachmentsDropped: Math.max(0, email.attachments.length - EML_LIMITS.attachments),
  };
}
