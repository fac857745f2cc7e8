// Per-rule match counts of a hunt (every per-event hit and correlation hit, by rule id or name):
// the record of "the same answers" kept across changes to the engine's speed.
import { loadRules } from '../../src/hunt/load-rules.js';
import { hunt } from '../../src/hunt/run.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { ruleKey } from '../../src/sigma/model.js';

export interface RuleCounts { events: number; hits: number; rules: Record<string, number> }

export async function ruleCounts(inputs: string[], rulePaths: string[], threads?: number): Promise<RuleCounts> {
  const ruleset = new RuleSet(loadRules(rulePaths).docs);
  const rules: Record<string, number> = {};
  const add = (k: string) => { rules[k] = (rules[k] ?? 0) + 1; };
  const s = await hunt({ paths: inputs, ruleset, ...(threads !== undefined ? { threads } : {}), onHit: (h) => add(ruleKey(h.rule.meta)) });
  for (const c of s.correlationHits) add(ruleKey(c.rule.meta));
  const sorted: Record<string, number> = {};
  for (const k of Object.keys(rules).sort()) sorted[k] = rules[k]!;
  return { events: s.events, hits: s.hits + s.correlationHits.length, rules: sorted };
}

/** The rules whose counts differ, as `rule: before -> after`. */
export function countDiff(before: RuleCounts, after: RuleCounts): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(before.rules), ...Object.keys(after.rules)])) {
    const a = before.rules[k] ?? 0, b = after.rules[k] ?? 0;
    if (a !== b) out.push(`${k}: ${a} -> ${b}`);
  }
  if (before.events !== after.events) out.unshift(`events: ${before.events} -> ${after.events}`);
  return out.sort();
}
