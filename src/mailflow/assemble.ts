// Message assembly: message tracking events of one message, from many files and servers, joined by
// message-id (global), internal-message-id (per server) and network-message-id. Files arrive one
// after another, not by time, so each message is closed by the time of the streams (server and log
// family) it appears in, once they have moved a quiet period past its last event; the number of
// open messages is capped, and the oldest opened is closed early when the cap is reached.
import type { Event, EventRef } from '../events/model.js';
import type { MailflowConfig, RecipientOutcome } from './config.js';
import { customDataPairs, fileFamily, list, normAddress, num, str } from './tracking.js';

export interface OriginInfo {
  source: string;
  event: string;
  time: number;
  host: string;
  context?: string;
  clientIp?: string;
  clientHostname?: string;
  directionality?: string;
}

export interface RecipientState {
  outcomes: Set<RecipientOutcome>;
  /** why it failed or was dropped (recipient-status, source-context) */
  reasons: string[];
  /** the event kinds that named it (RECEIVE, SEND, EXPAND member, ...) */
  via: Set<string>;
}

export interface MessageState {
  key: string;
  messageId?: string;
  networkMessageId?: string;
  internalIds: Set<string>;
  first: number;
  last: number;
  firstRef: EventRef;
  refs: EventRef[];
  streams: Set<string>;
  hosts: Set<string>;
  events: Set<string>;
  sources: Set<string>;
  origin?: OriginInfo;
  /** recipients of the origin event: the envelope as the message entered */
  original: Set<string>;
  recipients: Map<string, RecipientState>;
  recipientOverflow: number;
  sender?: string;
  returnPath?: string;
  subject?: string;
  directionality?: string;
  expandedGroups: Set<string>;
  expandMembers: Set<string>;
  redirectedFrom: Set<string>;
  redirectTargets: Set<string>;
  resolveTargets: Set<string>;
  agents: Set<string>;
  transportRule: boolean;
  journaling: boolean;
  /** DSN and the like: the message itself was dealt with */
  messageOutcomes: Set<string>;
  shadow: boolean;
  size?: number;
  attachments?: number;
  /** a later part of a message already closed */
  continuation: boolean;
}

export type CloseReason = 'quiet' | 'end' | 'overflow';

export interface ClosedMessage {
  state: MessageState;
  reason: CloseReason;
  /** the latest time of the streams the message appears in, when it was closed */
  watermark: number;
}

export interface AssemblyStats {
  events: number;
  messages: number;
  openPeak: number;
  /** closed early because too many were open */
  overflow: number;
  continuations: number;
  /** events that named no message (no message-id, internal-message-id or network-message-id) */
  unkeyed: number;
}

const SWEEP_EVERY = 1024;

export class MessageAssembler {
  private open = new Map<string, MessageState>();
  private alias = new Map<string, string>();
  private closedIds = new Set<string>();
  private watermark = new Map<string, number>();
  private sinceSweep = 0;
  private lastFile = '';
  private lastFamily = '';
  readonly stats: AssemblyStats = { events: 0, messages: 0, openPeak: 0, overflow: 0, continuations: 0, unkeyed: 0 };

  constructor(private readonly cfg: MailflowConfig) {}

  /** Takes one message tracking event; returns the messages that closed because of it (oldest first). */
  add(ev: Event): ClosedMessage[] {
    this.stats.events++;
    const host = (ev.host ?? str(ev, 'server-hostname') ?? '').toLowerCase();
    // lines of one file arrive together: its family is worked out once
    if (ev.ref.file !== this.lastFile) { this.lastFile = ev.ref.file; this.lastFamily = fileFamily(ev.ref.file); }
    const stream = `${host}|${this.lastFamily}`;
    if (Number.isFinite(ev.time) && ev.time > (this.watermark.get(stream) ?? -Infinity)) this.watermark.set(stream, ev.time);
    const closed: ClosedMessage[] = [];
    const msg = this.messageFor(ev, host, closed);
    if (msg) {
      msg.streams.add(stream);
      this.apply(msg, ev, host);
    }
    if (++this.sinceSweep >= SWEEP_EVERY) { this.sinceSweep = 0; closed.push(...this.sweep()); }
    return closed.sort((a, b) => a.state.first - b.state.first);
  }

  /** Closes every open message (end of input). */
  finish(): ClosedMessage[] {
    const out: ClosedMessage[] = [];
    for (const m of this.open.values()) out.push({ state: m, reason: 'end', watermark: this.watermarkOf(m) });
    this.open.clear();
    this.alias.clear();
    return out.sort((a, b) => a.state.first - b.state.first);
  }

  get openCount(): number { return this.open.size; }

  private watermarkOf(m: MessageState): number {
    let w = -Infinity;
    for (const s of m.streams) w = Math.max(w, this.watermark.get(s) ?? -Infinity);
    return w;
  }

  private sweep(): ClosedMessage[] {
    const out: ClosedMessage[] = [];
    for (const m of this.open.values()) {
      const w = this.watermarkOf(m);
      if (Number.isFinite(m.last) && w - m.last > this.cfg.quietMs) out.push({ state: m, reason: 'quiet', watermark: w });
    }
    for (const c of out) this.forget(c.state);
    return out;
  }

  private forget(m: MessageState): void {
    this.open.delete(m.key);
    for (const k of this.aliasesOf(m)) if (this.alias.get(k) === m.key) this.alias.delete(k);
    this.closedIds.add(m.key);
    for (const k of this.aliasesOf(m)) this.closedIds.add(k);
    while (this.closedIds.size > this.cfg.maxClosedIds) this.closedIds.delete(this.closedIds.values().next().value!);
  }

  private aliasesOf(m: MessageState): string[] {
    const out = [...m.internalIds].map((i) => `i:${i}`);
    if (m.messageId) out.push(`m:${m.messageId}`);
    if (m.networkMessageId) out.push(`n:${m.networkMessageId}`);
    return out;
  }

  private messageFor(ev: Event, host: string, closed: ClosedMessage[]): MessageState | null {
    const mid = str(ev, 'message-id')?.toLowerCase();
    const iid = str(ev, 'internal-message-id');
    const nid = str(ev, 'network-message-id')?.toLowerCase();
    const keys = [mid && `m:${mid}`, iid && `i:${host}|${iid}`, nid && `n:${nid}`].filter((k): k is string => !!k);
    if (keys.length === 0) { this.stats.unkeyed++; return null; }
    let m: MessageState | undefined;
    for (const k of keys) {
      const target = this.open.has(k) ? k : this.alias.get(k);
      const found = target ? this.open.get(target) : undefined;
      // internal ids are reused (a new queue database starts counting again): never join two message-ids
      if (found && !(mid && found.messageId && found.messageId !== mid)) { m = found; break; }
    }
    if (!m) {
      if (this.open.size >= this.cfg.maxOpen) {
        // the oldest opened message makes room; its outcome is not judged
        const oldest = this.open.values().next().value!;
        this.forget(oldest);
        this.stats.overflow++;
        closed.push({ state: oldest, reason: 'overflow', watermark: this.watermarkOf(oldest) });
      }
      m = newState(keys[0]!, ev);
      m.continuation = keys.some((k) => this.closedIds.has(k));
      if (m.continuation) this.stats.continuations++;
      this.open.set(m.key, m);
      this.stats.messages++;
      this.stats.openPeak = Math.max(this.stats.openPeak, this.open.size);
    }
    if (mid && !m.messageId) m.messageId = mid;
    if (nid && !m.networkMessageId) m.networkMessageId = nid;
    if (iid && m.internalIds.size < 16) m.internalIds.add(`${host}|${iid}`);
    for (const k of keys) if (k !== m.key) this.alias.set(k, m.key);
    return m;
  }

  private apply(m: MessageState, ev: Event, host: string): void {
    const cfg = this.cfg;
    const id = (str(ev, 'event-id') ?? '').toUpperCase();
    const source = (str(ev, 'source') ?? '').toUpperCase();
    const context = str(ev, 'source-context');
    if (Number.isFinite(ev.time)) {
      if (!(ev.time >= m.first)) { m.first = ev.time; m.firstRef = ev.ref; }
      if (!(ev.time <= m.last)) m.last = ev.time;
    }
    if (m.refs.length < cfg.maxEvidence) m.refs.push(ev.ref);
    if (host) m.hosts.add(host);
    if (id) m.events.add(id);
    if (source) m.sources.add(source);
    const recipients = list(ev, 'recipient-address').map(normAddress);
    const related = list(ev, 'related-recipient-address').map(normAddress);
    m.sender ??= lowerOpt(str(ev, 'sender-address'));
    m.returnPath ??= lowerOpt(str(ev, 'return-path'));
    m.subject ??= str(ev, 'message-subject');
    const size = num(ev, 'total-bytes');
    if (size !== undefined) m.size = Math.max(m.size ?? 0, size);

    if (cfg.originEvents.has(id) && (!m.origin || ev.time < m.origin.time)) {
      const dir = str(ev, 'directionality');
      m.origin = {
        source: source || 'UNKNOWN', event: id, time: ev.time, host,
        ...opt('context', context), ...opt('clientIp', str(ev, 'client-ip')), ...opt('clientHostname', str(ev, 'client-hostname')), ...opt('directionality', dir),
      };
      if (dir) m.directionality = dir;
      const from = str(ev, 'sender-address');
      if (from) m.sender = from.toLowerCase();
      m.original = new Set(recipients.slice(0, cfg.maxRecipients));
    }
    if (cfg.shadowEvents.has(id)) m.shadow = true;
    if (cfg.messageOutcomes.has(id)) m.messageOutcomes.add(id);

    if (source === 'AGENT' && context) m.agents.add(context);
    if (id === 'AGENTINFO') {
      for (const [k, v] of customDataPairs(str(ev, 'custom-data') ?? '')) {
        const key = k.toLowerCase();
        if (cfg.transportRuleAgents.has(key)) m.transportRule = true;
        if (cfg.journalingAgents.has(key)) m.journaling = true;
        // the anti-malware agent's summary counts the attachments it scanned (atch=N)
        const atch = key === 'ama' ? /(?:^|\|)atch=(\d+)/.exec(v) : null;
        if (atch) m.attachments = Math.max(m.attachments ?? 0, Number(atch[1]));
      }
    }
    if (context && (source === 'AGENT' || id === 'AGENTINFO')) {
      const c = context.toLowerCase();
      if (cfg.transportRuleAgents.has(c)) m.transportRule = true;
      if (cfg.journalingAgents.has(c)) m.journaling = true;
    }

    const touch = (r: string, via: string): RecipientState | null => {
      let st = m.recipients.get(r);
      if (!st) {
        if (m.recipients.size >= cfg.maxRecipients) { m.recipientOverflow++; return null; }
        m.recipients.set(r, (st = { outcomes: new Set(), reasons: [], via: new Set() }));
      }
      st.via.add(via);
      return st;
    };
    if (id === 'EXPAND') {
      for (const g of related) { m.expandedGroups.add(g); touch(g, 'EXPANDED_GROUP'); }
      for (const r of recipients) { m.expandMembers.add(r); touch(r, id); }
      return;
    }
    if (id === 'REDIRECT' || id === 'RESOLVE') {
      for (const r of related) { if (id === 'REDIRECT') m.redirectedFrom.add(r); touch(r, `${id}_FROM`); }
      for (const r of recipients) { (id === 'REDIRECT' ? m.redirectTargets : m.resolveTargets).add(r); touch(r, id); }
      return;
    }
    const outcome = cfg.outcomes.get(id);
    const statuses = list(ev, 'recipient-status');
    recipients.forEach((r, i) => {
      const st = touch(r, id);
      if (!st || !outcome) return;
      st.outcomes.add(outcome);
      if ((outcome === 'failed' || outcome === 'dropped') && st.reasons.length < 4) {
        const why = [context, statuses[i] ?? statuses[0]].filter(Boolean).join(': ');
        if (why && !st.reasons.includes(why)) st.reasons.push(why.slice(0, 300));
      }
    });
  }
}

function lowerOpt(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.toLowerCase();
}

function opt<K extends string>(k: K, v: string | undefined): { [P in K]?: string } {
  return (v === undefined ? {} : { [k]: v }) as { [P in K]?: string };
}

function newState(key: string, ev: Event): MessageState {
  return {
    key, internalIds: new Set(), first: ev.time, last: ev.time, firstRef: ev.ref, refs: [], streams: new Set(), hosts: new Set(),
    events: new Set(), sources: new Set(), original: new Set(), recipients: new Map(), recipientOverflow: 0,
    expandedGroups: new Set(), expandMembers: new Set(), redirectedFrom: new Set(), redirectTargets: new Set(), resolveTargets: new Set(),
    agents: new Set(), transportRule: false, journaling: false, messageOutcomes: new Set(), shadow: false, continuation: false,
  };
}
