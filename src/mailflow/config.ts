// The mail-flow settings (data/mailflow.yaml): assembly bounds, event semantics, baseline thresholds.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dataPath } from '../util/package-root.js';

export type RecipientOutcome = 'delivered' | 'sent' | 'failed' | 'dropped' | 'transferred' | 'held_for_approval' | 'deferred';
const OUTCOMES = new Set<RecipientOutcome>(['delivered', 'sent', 'failed', 'dropped', 'transferred', 'held_for_approval', 'deferred']);

export interface MailflowConfig {
  quietMs: number;
  maxOpen: number;
  maxRecipients: number;
  maxEvidence: number;
  maxClosedIds: number;
  originEvents: Set<string>;
  outcomes: Map<string, RecipientOutcome>;
  messageOutcomes: Set<string>;
  shadowEvents: Set<string>;
  /** lower-cased */
  transportRuleAgents: Set<string>;
  journalingAgents: Set<string>;
  builtinAgents: Set<string>;
  nightHours: [number, number];
  pickupSizeFactor: number;
  pickupMinHistory: number;
  firstPickupMinMessages: number;
  newDomainMinMs: number;
  newDomainMinMessages: number;
  largeBytes: number;
  largeFactor: number;
  largeMinHistory: number;
  riseMinCount: number;
  riseFactor: number;
  riseMinDays: number;
  maxKeys: number;
}

export class MailflowConfigError extends Error {}

/** Parses and checks the settings; every error names the file and the key. */
export function parseMailflowConfig(text: string, file: string): MailflowConfig {
  const fail = (key: string, what: string): never => { throw new MailflowConfigError(`${file}: ${key}: ${what}`); };
  let root: unknown;
  try { root = parse(text); } catch (e) { throw new MailflowConfigError(`${file}: not valid YAML: ${(e as Error).message}`); }
  const obj = (v: unknown, key: string): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : fail(key, 'expected a mapping'));
  const r = obj(root, '(root)');
  const a = obj(r['assembly'], 'assembly'), b = obj(r['baseline'], 'baseline');
  const num = (o: Record<string, unknown>, sect: string, k: string, min = 0): number => {
    const v = o[k];
    return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : fail(`${sect}.${k}`, `expected a number >= ${min}`);
  };
  const words = (k: string, upper: boolean): string[] => {
    const v = r[k];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x.length > 0)) return fail(k, 'expected a list of names');
    return (v as string[]).map((x) => (upper ? x.toUpperCase() : x.toLowerCase()));
  };
  const outcomesRaw = obj(r['outcomes'], 'outcomes');
  const outcomes = new Map<string, RecipientOutcome>();
  for (const [ev, o] of Object.entries(outcomesRaw)) {
    if (!OUTCOMES.has(o as RecipientOutcome)) fail(`outcomes.${ev}`, `unknown outcome '${String(o)}' (expected ${[...OUTCOMES].join(', ')})`);
    outcomes.set(ev.toUpperCase(), o as RecipientOutcome);
  }
  const night = b['night_hours'];
  if (!Array.isArray(night) || night.length !== 2 || !night.every((h) => Number.isInteger(h) && h >= 0 && h <= 23)) fail('baseline.night_hours', 'expected [from, to], hours 0-23');
  return {
    quietMs: num(a, 'assembly', 'quiet_minutes', 1) * 60_000,
    maxOpen: num(a, 'assembly', 'max_open_messages', 1),
    maxRecipients: num(a, 'assembly', 'max_recipients', 1),
    maxEvidence: num(a, 'assembly', 'max_evidence', 1),
    maxClosedIds: num(a, 'assembly', 'max_closed_ids', 0),
    originEvents: new Set(words('origin_events', true)),
    outcomes,
    messageOutcomes: new Set(words('message_outcomes', true)),
    shadowEvents: new Set(words('shadow_events', true)),
    transportRuleAgents: new Set(words('transport_rule_agents', false)),
    journalingAgents: new Set(words('journaling_agents', false)),
    builtinAgents: new Set(words('builtin_agent_names', false)),
    nightHours: night as [number, number],
    pickupSizeFactor: num(b, 'baseline', 'pickup_size_factor', 1),
    pickupMinHistory: num(b, 'baseline', 'pickup_min_history', 1),
    firstPickupMinMessages: num(b, 'baseline', 'first_pickup_min_messages', 1),
    newDomainMinMs: num(b, 'baseline', 'new_domain_min_hours') * 3_600_000,
    newDomainMinMessages: num(b, 'baseline', 'new_domain_min_messages'),
    largeBytes: num(b, 'baseline', 'large_bytes', 1),
    largeFactor: num(b, 'baseline', 'large_factor', 1),
    largeMinHistory: num(b, 'baseline', 'large_min_history', 1),
    riseMinCount: num(b, 'baseline', 'rise_min_count', 1),
    riseFactor: num(b, 'baseline', 'rise_factor', 1),
    riseMinDays: num(b, 'baseline', 'rise_min_days', 1),
    maxKeys: num(b, 'baseline', 'max_keys', 1),
  };
}

let cached: MailflowConfig | null = null;

/** The shipped settings (read once). */
export function mailflowConfig(): MailflowConfig {
  if (!cached) {
    const file = dataPath('mailflow.yaml');
    cached = parseMailflowConfig(readFileSync(file, 'utf8'), file);
  }
  return cached;
}
