// Mail-flow findings that are about the whole run rather than one message (so not Sigma rules):
// a rise in large or attachment-carrying outbound mail, and agent names the logs show at work that
// the collected agent lists do not register.
import { findingScore, type EvidenceRef, type Finding, type PlaybookStep } from '../findings/model.js';
import { findingId } from '../findings/from-hits.js';
import type { MailflowConfig } from './config.js';
import type { AgentSeen, MailflowResult } from './stage.js';

export type StepLookup = (id: string) => PlaybookStep | null;

const TECHNIQUES = ['T1505.002'];
const REFERENCES = ['https://attack.mitre.org/techniques/T1505/002/', 'https://attack.mitre.org/techniques/T1114/002/'];
const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : null);

function steps(ids: string[], lookup: StepLookup): PlaybookStep[] | null {
  const out = ids.map(lookup).filter((s): s is PlaybookStep => s !== null);
  return out.length ? out : null;
}

function evidence(refs: { file: string; kind: EvidenceRef['kind']; line?: number; record?: number; offset?: number }[]): EvidenceRef[] {
  return refs.map((r) => ({ file: r.file, kind: r.kind, ...(r.line !== undefined ? { line: r.line } : {}), ...(r.record !== undefined ? { record: r.record } : {}), ...(r.offset !== undefined ? { offset: r.offset } : {}) }));
}

export function riseFindings(r: MailflowResult, lookup: StepLookup): Finding[] {
  return r.rises.map((x): Finding => {
    const who = x.by === 'sender' ? `sender ${x.key || '(none)'}` : `outside domain ${x.key}`;
    return {
      id: findingId('mailflow-outbound-rise', null, `${x.by}\u0000${x.key}`, Date.parse(x.day)),
      title: `Rise in large or attachment-carrying outbound mail: ${who} on ${x.day}`,
      severity: 'medium', confidence: 'low', techniques: TECHNIQUES, host: null,
      first_seen: `${x.day}T00:00:00.000Z`, last_seen: `${x.day}T23:59:59.999Z`, count: x.heavy,
      evidence: evidence(x.refs),
      fields: { by: x.by, key: x.key, day: x.day, heavy_messages: x.heavy, outbound_messages: x.total, usual_per_day: x.usual, earlier_days: x.priorDays },
      rule_id: null, check: 'mailflow-outbound-rise',
      description: `${x.heavy} large or attachment-carrying outbound messages (${x.total} outbound in all) on ${x.day}, against a usual ${x.usual} a day over the ${x.priorDays} earlier days of these logs. An agent that copies mail out, or an intruder collecting attachments, raises exactly this count.`,
      falsepositives: ['Month-end reports, a mailing, a new partner exchanging documents', 'A new employee or a role change (the sender has no history in these logs)'],
      references: REFERENCES, score: findingScore('medium', 'low'),
      playbook: steps(['t2-trace-mail', 't2-scope-execution'], lookup),
    };
  });
}

/**
 * Agent names seen in message tracking (AGENT events, AGENTINFO) or agent logs that no collected
 * agent list registers. Only when lists were collected (otherwise there is nothing to compare with).
 */
export function unregisteredAgentFindings(r: MailflowResult, registered: string[], cfg: MailflowConfig, lookup: StepLookup): Finding[] {
  if (registered.length === 0) return [];
  const known = new Set([...registered, ...cfg.builtinAgents].map((n) => n.toLowerCase()));
  return r.agents.filter((a) => !known.has(a.name.toLowerCase())).map((a: AgentSeen): Finding => ({
    id: findingId('mailflow-unregistered-agent', null, a.name.toLowerCase()),
    title: `Agent at work in the mail logs but not registered: ${a.name}`,
    severity: 'high', confidence: 'medium', techniques: TECHNIQUES, host: a.hosts[0] ?? null,
    first_seen: iso(a.first), last_seen: iso(a.last), count: a.events,
    evidence: evidence(a.refs),
    fields: { agent: a.name, hosts: a.hosts, events: a.events, registered_agents: registered.length },
    rule_id: null, check: 'mailflow-unregistered-agent',
    description: `Message tracking or agent logs show an agent named '${a.name}' acting on mail, but none of the collected agent lists (agents.config, Get-TransportAgent) registers an agent of that name. Either the lists are from another server or time, or something runs in the transport pipeline that the configuration does not show.`,
    falsepositives: ['The agent lists were collected from another server or service (FrontEnd, Edge) than the logs', 'A built-in component that logs under its own name (add it to builtin_agent_names in data/mailflow.yaml)'],
    references: REFERENCES, score: findingScore('high', 'medium'),
    playbook: steps(['l1-verify-registrations', 't2-trace-mail', 'l1-escalate'], lookup),
  }));
}
