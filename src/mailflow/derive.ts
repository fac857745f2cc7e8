// One closed message -> what became of it: where it came from, each recipient's fate, recipients
// added on the way and what explains them, outside recipients, size, night. Pure.
import type { FieldValue } from '../events/model.js';
import type { MailflowConfig } from './config.js';
import type { ClosedMessage, MessageState } from './assemble.js';
import { domainOf } from './tracking.js';

export type Explanation = 'EXPAND' | 'REDIRECT' | 'RESOLVE' | 'TRANSPORT_RULE' | 'JOURNAL';

export interface MessageFacts {
  closed: ClosedMessage;
  /** the derived event's fields (Sigma field names) */
  fields: Record<string, FieldValue>;
  outsideRecipients: string[];
  /** outside recipients the message was sent to (SEND) */
  sentOutside: string[];
  senderInternal: boolean;
}

const SORT = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = (xs: Iterable<string>) => [...xs].sort(SORT);

export function isNight(t: number, [from, to]: [number, number]): boolean {
  if (!Number.isFinite(t)) return false;
  const h = new Date(t).getUTCHours();
  return from <= to ? h >= from && h < to : h >= from || h < to;
}

function explain(m: MessageState, r: string): Explanation | null {
  if (m.expandMembers.has(r)) return 'EXPAND';
  if (m.redirectTargets.has(r)) return 'REDIRECT';
  if (m.resolveTargets.has(r)) return 'RESOLVE';
  if (m.transportRule) return 'TRANSPORT_RULE';
  if (m.journaling) return 'JOURNAL';
  return null;
}

const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);

export function deriveMessage(c: ClosedMessage, cfg: MailflowConfig, isOrg: (domain: string) => boolean): MessageFacts {
  const m = c.state;
  const by = (o: string) => sorted([...m.recipients].filter(([, s]) => s.outcomes.has(o as never)).map(([r]) => r));
  // addresses that stand for others (a group expanded, an address redirected or resolved) need no outcome of their own
  const standIns = (r: string) => m.expandedGroups.has(r) || m.redirectedFrom.has(r) || [...(m.recipients.get(r)?.via ?? [])].some((v) => v.endsWith('_FROM'));
  const finals = sorted([...m.recipients.keys()].filter((r) => !standIns(r)));
  const unaccounted = finals.filter((r) => m.recipients.get(r)!.outcomes.size === 0);
  const anyOutcome = finals.length > unaccounted.length || m.messageOutcomes.size > 0;
  const quietEnough = c.watermark - m.last > cfg.quietMs;
  const inFlight = c.reason === 'end' && !quietEnough && unaccounted.length > 0;
  const judged = c.reason !== 'overflow';
  const vanished = judged && !!m.origin && !anyOutcome && !inFlight && !m.shadow;

  const added = m.origin ? finals.filter((r) => !m.original.has(r)) : [];
  const explained: string[] = [], unexplained: string[] = [];
  for (const r of added) {
    const why = explain(m, r);
    if (why) explained.push(`${r} (${why})`); else unexplained.push(r);
  }
  const outside = finals.filter((r) => { const d = domainOf(r); return d !== '' && !isOrg(d); });
  const sentOutside = outside.filter((r) => m.recipients.get(r)!.outcomes.has('sent'));
  const unexplainedOutside = unexplained.filter((r) => outside.includes(r));
  const senderDomain = m.sender ? domainOf(m.sender) : '';
  const senderInternal = senderDomain !== '' && isOrg(senderDomain);
  const reasons = (o: 'failed' | 'dropped') => sorted(new Set([...m.recipients.values()].filter((s) => s.outcomes.has(o)).flatMap((s) => s.reasons)));

  const outcome = !judged ? 'not_judged' : vanished ? 'vanished' : inFlight ? 'in_flight' : !m.origin && m.shadow ? 'shadow' : !m.origin && !anyOutcome ? 'partial'
    : summarise([...m.recipients.values()].flatMap((s) => [...s.outcomes]), m.messageOutcomes.size > 0, unaccounted.length > 0);

  const f: Record<string, FieldValue> = {
    message_id: m.messageId ?? null,
    network_message_id: m.networkMessageId ?? null,
    internal_message_ids: sorted(m.internalIds),
    sender: m.sender ?? null,
    sender_domain: senderDomain || null,
    sender_internal: senderInternal,
    return_path: m.returnPath ?? null,
    subject: m.subject ?? null,
    origin: m.origin?.source ?? 'NONE',
    origin_event: m.origin?.event ?? null,
    origin_host: m.origin?.host ?? null,
    origin_context: m.origin?.context ?? null,
    client_ip: m.origin?.clientIp ?? null,
    client_hostname: m.origin?.clientHostname ?? null,
    directionality: m.directionality ?? null,
    servers: sorted(m.hosts),
    first_seen: iso(m.first),
    last_seen: iso(m.last),
    event_ids: sorted(m.events),
    sources: sorted(m.sources),
    recipients: finals,
    recipient_count: finals.length,
    original_recipients: sorted(m.original),
    delivered: by('delivered'),
    sent: by('sent'),
    failed: by('failed'),
    dropped: by('dropped'),
    transferred: by('transferred'),
    held_for_approval: by('held_for_approval'),
    deferred: by('deferred'),
    expanded_groups: sorted(m.expandedGroups),
    redirected: sorted(m.redirectedFrom),
    fail_reasons: reasons('failed'),
    drop_reasons: reasons('dropped'),
    message_outcomes: sorted(m.messageOutcomes),
    unaccounted,
    outcome,
    vanished,
    in_flight: inFlight,
    closed_by: c.reason,
    added_recipients: added,
    explained_recipients: explained,
    unexplained_recipients: unexplained,
    unexplained_outside: unexplainedOutside,
    outside_recipients: outside,
    outside_domains: sorted(new Set(outside.map(domainOf))),
    sent_outside: sentOutside,
    agents: sorted(m.agents),
    transport_rule: m.transportRule,
    journaling: m.journaling,
    shadow: m.shadow,
    continuation: m.continuation,
    size: m.size ?? null,
    attachments: m.attachments ?? null,
    night: isNight(m.first, cfg.nightHours),
    recipients_not_kept: m.recipientOverflow,
  };
  return { closed: c, fields: f, outsideRecipients: outside, sentOutside, senderInternal };
}

function summarise(outcomes: string[], messageOutcome: boolean, someUnaccounted: boolean): string {
  const kinds = new Set(outcomes);
  if (someUnaccounted) return 'partial';
  if (kinds.size === 1) return [...kinds][0]!;
  if (kinds.size === 0) return messageOutcome ? 'dsn' : 'none';
  return 'mixed';
}
