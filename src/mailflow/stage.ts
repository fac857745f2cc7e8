// The hunt's mail-flow stage: message tracking events in, one derived event per closed message out
// (logsource exchange/mailflow, matched by the same rule set), plus what the whole run shows (agent
// names seen, daily rises) for the findings that are not about one message.
import type { Event, EventRef, FieldValue } from '../events/model.js';
import { mailflowConfig, type MailflowConfig } from './config.js';
import { MessageAssembler, type AssemblyStats, type ClosedMessage } from './assemble.js';
import { deriveMessage } from './derive.js';
import { MailBaseline, type Rise } from './baseline.js';
import { isMessageTracking, str } from './tracking.js';

export const MAILFLOW_LOGSOURCE = { product: 'exchange', service: 'mailflow' } as const;

export interface AgentSeen { name: string; events: number; hosts: string[]; first: number; last: number; refs: EventRef[] }

export interface MailflowResult {
  stats: AssemblyStats & { derived: number; vanished: number; inFlight: number; notJudged: number };
  /** the organisation's domains: given and learnt */
  orgDomains: string[];
  rises: Rise[];
  agents: AgentSeen[];
}

export interface MailflowOptions { orgDomains?: string[]; config?: MailflowConfig }

export class MailflowStage {
  private readonly cfg: MailflowConfig;
  private readonly assembler: MessageAssembler;
  private readonly baseline: MailBaseline;
  private readonly agents = new Map<string, AgentSeen>();
  private readonly counts = { derived: 0, vanished: 0, inFlight: 0, notJudged: 0 };

  constructor(opts: MailflowOptions = {}) {
    this.cfg = opts.config ?? mailflowConfig();
    this.assembler = new MessageAssembler(this.cfg);
    this.baseline = new MailBaseline(this.cfg, opts.orgDomains ?? []);
  }

  /** True for the events this stage takes (message tracking and agent logs). */
  static wants(ev: Event): boolean {
    return isMessageTracking(ev) || (ev.logsource.product === 'exchange' && ev.logsource.service === 'agentlog');
  }

  /** One event in; the derived events of the messages it closed out. */
  push(ev: Event): Event[] {
    if (ev.logsource.service === 'agentlog') { this.agentSeen(str(ev, 'Agent') ?? str(ev, 'agent'), ev); return []; }
    if (!isMessageTracking(ev)) return [];
    this.baseline.learn(ev);
    const source = (str(ev, 'source') ?? '').toUpperCase();
    if (source === 'AGENT' || (str(ev, 'event-id') ?? '').toUpperCase() === 'AGENTINFO') this.agentSeen(str(ev, 'source-context'), ev);
    return this.derive(this.assembler.add(ev));
  }

  /** End of input: every open message is closed (mail still in flight says so). */
  finish(): Event[] {
    return this.derive(this.assembler.finish());
  }

  result(): MailflowResult {
    return {
      stats: { ...this.assembler.stats, ...this.counts },
      orgDomains: [...this.baseline.orgDomains.items].sort(),
      rises: this.baseline.rises(),
      agents: [...this.agents.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    };
  }

  private derive(closed: ClosedMessage[]): Event[] {
    const out: Event[] = [];
    for (const c of closed) {
      const facts = deriveMessage(c, this.cfg, this.baseline.isOrg);
      this.baseline.judge(facts);
      const m = c.state;
      this.counts.derived++;
      if (facts.fields['vanished'] === true) this.counts.vanished++;
      if (facts.fields['in_flight'] === true) this.counts.inFlight++;
      if (c.reason === 'overflow') this.counts.notJudged++;
      const host = m.origin?.host || [...m.hosts][0];
      // like the readers' empty cells, empty values are left out (so `|exists` means "has some")
      const fields: Record<string, FieldValue> = {};
      for (const [k, v] of Object.entries(facts.fields)) if (v !== null && !(Array.isArray(v) && v.length === 0)) fields[k] = v;
      out.push({ ref: m.firstRef, time: m.first, ...(host ? { host } : {}), logsource: { ...MAILFLOW_LOGSOURCE }, fields });
    }
    return out;
  }

  private agentSeen(name: string | undefined, ev: Event): void {
    // AGENTINFO lines name the agent by a short key in custom-data when source-context is empty
    if (!name) return;
    const k = name.toLowerCase();
    let a = this.agents.get(k);
    if (!a) {
      if (this.agents.size >= this.cfg.maxKeys) return;
      this.agents.set(k, (a = { name, events: 0, hosts: [], first: ev.time, last: ev.time, refs: [] }));
    }
    a.events++;
    const host = ev.host?.toLowerCase();
    if (host && !a.hosts.includes(host) && a.hosts.length < 50) a.hosts.push(host);
    if (ev.time < a.first || !Number.isFinite(a.first)) a.first = ev.time;
    if (ev.time > a.last || !Number.isFinite(a.last)) a.last = ev.time;
    if (a.refs.length < this.cfg.maxEvidence) a.refs.push(ev.ref);
  }
}
