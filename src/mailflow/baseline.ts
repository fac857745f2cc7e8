// What the same logs say is usual: the organisation's own domains and mailboxes, each server's
// Pickup use, the outside domains written to, each sender's outbound sizes, and daily counts of
// large or attachment-carrying outbound mail. Messages are judged against what came before them
// (they close roughly in time order), then added. Every map is bounded.
import type { Event, EventRef } from '../events/model.js';
import type { MailflowConfig } from './config.js';
import type { MessageFacts } from './derive.js';
import { domainOf, list, normAddress, str } from './tracking.js';

const DAY = 86_400_000;

/** A bounded set: beyond `max` members, additions are counted and dropped. */
class BoundedSet {
  readonly items = new Set<string>();
  dropped = 0;
  constructor(private readonly max: number) {}
  add(x: string): void { if (this.items.has(x)) return; if (this.items.size >= this.max) { this.dropped++; return; } this.items.add(x); }
  has(x: string): boolean { return this.items.has(x); }
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The last `n` values of a series. */
function pushBounded(xs: number[], v: number, n = 50): void {
  xs.push(v);
  if (xs.length > n) xs.shift();
}

interface PickupSender { sizes: number[]; attachments: boolean }
interface PickupHistory { messages: number; pickups: number; senders: Map<string, PickupSender> }

export interface Rise {
  by: 'sender' | 'recipient_domain';
  key: string;
  day: string;
  heavy: number;
  total: number;
  /** the median heavy count of the earlier days of the logs */
  usual: number;
  priorDays: number;
  refs: EventRef[];
}

interface DayCount { heavy: number; total: number; refs: EventRef[] }

export class MailBaseline {
  readonly orgDomains: BoundedSet;
  private readonly explicit: string[];
  private readonly mailboxes: BoundedSet;
  private servers = new Map<string, PickupHistory>();
  private domainsWritten: BoundedSet;
  private outbound = { messages: 0, first: NaN };
  private senderSizes = new Map<string, number[]>();
  private daily = new Map<string, Map<number, DayCount>>();
  private days = new Set<number>();

  constructor(private readonly cfg: MailflowConfig, orgDomains: string[] = []) {
    this.explicit = orgDomains.map((d) => d.toLowerCase().replace(/^@/, ''));
    this.orgDomains = new BoundedSet(cfg.maxKeys);
    this.mailboxes = new BoundedSet(cfg.maxKeys);
    this.domainsWritten = new BoundedSet(cfg.maxKeys);
  }

  /** The organisation's domains: given with --org-domain, and learnt from the logs (subdomains included). */
  isOrg = (domain: string): boolean => {
    if (!domain) return false;
    const d = domain.toLowerCase();
    const under = (o: string) => d === o || d.endsWith(`.${o}`);
    if (this.explicit.some(under)) return true;
    if (this.orgDomains.has(d)) return true;
    for (let i = d.indexOf('.'); i >= 0; i = d.indexOf('.', i + 1)) if (this.orgDomains.has(d.slice(i + 1))) return true;
    return false;
  };

  /**
   * Accepted-domain evidence from every raw event: DELIVER puts mail in a mailbox of the
   * organisation; a STOREDRIVER submission comes from one. Pickup and SMTP senders prove nothing.
   */
  learn(ev: Event): void {
    const id = (str(ev, 'event-id') ?? '').toUpperCase();
    const source = (str(ev, 'source') ?? '').toUpperCase();
    if (id === 'DELIVER') {
      for (const r of list(ev, 'recipient-address').map(normAddress)) this.mailbox(r);
    } else if (source === 'STOREDRIVER' && (id === 'RECEIVE' || id === 'SUBMIT')) {
      const s = str(ev, 'sender-address');
      if (s) this.mailbox(normAddress(s));
    }
  }

  private mailbox(address: string): void {
    const d = domainOf(address);
    if (!d) return;
    this.orgDomains.add(d);
    this.mailboxes.add(address);
  }

  /** Adds the baseline's judgement to a message's fields, then counts the message in. */
  judge(f: MessageFacts): void {
    const fields = f.fields;
    const m = f.closed.state;
    const t = m.first;
    const host = m.origin?.host ?? [...m.hosts][0] ?? '';
    const size = m.size ?? 0;
    const sender = m.sender ?? '';

    // Pickup: compared with the same server's earlier Pickup messages
    let server = this.servers.get(host);
    if (!server && this.servers.size < this.cfg.maxKeys) this.servers.set(host, (server = { messages: 0, pickups: 0, senders: new Map() }));
    const pickupReasons: string[] = [];
    const isPickup = m.origin?.source === 'PICKUP';
    const known = server?.senders.get(sender);
    if (isPickup && server) {
      if (server.pickups === 0 && server.messages >= this.cfg.firstPickupMinMessages) pickupReasons.push('first_pickup_on_server');
      if (!known) pickupReasons.push('new_sender');
      if (f.outsideRecipients.length) pickupReasons.push('outside_recipient');
      if (fields['night'] === true) pickupReasons.push('night');
      // sizes: against the sender's own Pickup history (another tool's messages say nothing of this one's)
      const usual = known && known.sizes.length >= this.cfg.pickupMinHistory ? known.sizes : null;
      if (usual ? size > this.cfg.pickupSizeFactor * median(usual) : size >= this.cfg.largeBytes) pickupReasons.push('large');
      if (f.senderInternal && this.mailboxes.has(sender)) pickupReasons.push('internal_sender_forged');
      if ((m.attachments ?? 0) > 0 && !known?.attachments) pickupReasons.push('attachments');
    }
    fields['pickup_reasons'] = pickupReasons;
    fields['pickup_reason_count'] = pickupReasons.length;

    // outside domains the organisation had not written to before
    const outbound = f.sentOutside.length > 0;
    const ready = this.outbound.messages >= this.cfg.newDomainMinMessages && t - this.outbound.first >= this.cfg.newDomainMinMs;
    const newDomains = outbound && ready ? [...new Set(f.sentOutside.map(domainOf))].filter((d) => !this.domainsWritten.has(d)).sort() : [];
    fields['new_outside_domains'] = newDomains;
    fields['first_contact'] = newDomains.length > 0;
    fields['domain_history_ready'] = ready;

    // large for its sender
    const sizes = this.senderSizes.get(sender);
    const largeBySender = !!sizes && sizes.length >= this.cfg.largeMinHistory && size > this.cfg.largeFactor * median(sizes);
    const large = size >= this.cfg.largeBytes || largeBySender;
    fields['large'] = large;
    fields['large_for_sender'] = largeBySender;

    // count it in
    if (server) {
      server.messages++;
      if (isPickup) {
        server.pickups++;
        let ps = known;
        if (!ps && server.senders.size < this.cfg.maxKeys) server.senders.set(sender, (ps = { sizes: [], attachments: false }));
        if (ps) { pushBounded(ps.sizes, size); ps.attachments ||= (m.attachments ?? 0) > 0; }
      }
    }
    if (outbound) {
      this.outbound.messages++;
      if (!(this.outbound.first <= t)) this.outbound.first = t;
      for (const d of f.sentOutside.map(domainOf)) this.domainsWritten.add(d);
      if (sender) {
        let s = this.senderSizes.get(sender);
        if (!s && this.senderSizes.size < this.cfg.maxKeys) this.senderSizes.set(sender, (s = []));
        if (s) pushBounded(s, size);
      }
      if (Number.isFinite(t)) {
        const day = Math.floor(t / DAY);
        this.days.add(day);
        const heavy = large || (m.attachments ?? 0) > 0;
        this.count(`sender\u0000${sender}`, day, heavy, m.firstRef);
        for (const d of new Set(f.sentOutside.map(domainOf))) this.count(`recipient_domain\u0000${d}`, day, heavy, m.firstRef);
      }
    }
  }

  private count(key: string, day: number, heavy: boolean, ref: EventRef): void {
    let per = this.daily.get(key);
    if (!per) {
      if (this.daily.size >= this.cfg.maxKeys) return;
      this.daily.set(key, (per = new Map()));
    }
    let c = per.get(day);
    if (!c) per.set(day, (c = { heavy: 0, total: 0, refs: [] }));
    c.total++;
    if (heavy) { c.heavy++; if (c.refs.length < this.cfg.maxEvidence) c.refs.push(ref); }
  }

  /** Days on which one sender's (or one outside domain's) large or attachment-carrying mail rose well above its usual days in these logs. */
  rises(): Rise[] {
    const allDays = [...this.days].sort((a, b) => a - b);
    const out: Rise[] = [];
    for (const [key, per] of this.daily) {
      const [by, name] = key.split('\u0000') as [Rise['by'], string];
      for (const [day, c] of per) {
        if (c.heavy < this.cfg.riseMinCount) continue;
        const prior = allDays.filter((d) => d < day);
        if (prior.length < this.cfg.riseMinDays) continue;
        const usual = median(prior.map((d) => per.get(d)?.heavy ?? 0));
        if (c.heavy < this.cfg.riseFactor * Math.max(1, usual)) continue;
        out.push({ by, key: name, day: new Date(day * DAY).toISOString().slice(0, 10), heavy: c.heavy, total: c.total, usual, priorDays: prior.length, refs: c.refs });
      }
    }
    return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.key < b.key ? -1 : 1));
  }
}
