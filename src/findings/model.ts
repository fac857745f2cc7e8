// The finding: what reports, the case store and the web UI read (DESIGN.md, Findings).
import type { Level } from '../sigma/model.js';
import type { FieldValue, SourceKind } from '../events/model.js';

export type Severity = Level;
export type Confidence = 'low' | 'medium' | 'high';

export const SEVERITY_RANK: Record<Severity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Kinds of evidence an audit finding points at (the audit classifies its input files more finely). */
export type AuditEvidenceKind = 'agents-config' | 'cmdlet-export' | 'pe' | 'manifest' | 'server-info' | 'mta-config';

export interface EvidenceRef { file: string; kind: SourceKind | AuditEvidenceKind; record?: number; line?: number; offset?: number }

export interface PlaybookStep {
  /** stable id (a knowledge-pack step such as `l1-verify-registrations`, or `<check>-<n>` for audit advice) */
  id: string;
  title: string;
  text: string;
  /** l1, t2, containment, eradication, recovery (knowledge-pack steps) */
  phase?: string;
  /** commands that carry the step out (PowerShell) */
  commands?: string[];
}

/**
 * Scores are banded by severity, so a score never ranks a finding above a more severe one: each
 * severity owns 20 points (informational 0-20, low 20-40, … critical 80-100) and confidence and
 * correlation place the finding within its band.
 */
const CONFIDENCE_POINTS: Record<Confidence, number> = { low: 8, medium: 13, high: 18 };
/** Added to a finding's score when a correlation rule joined its events. */
export const CORRELATION_BONUS = 2;

/** 0-100 from severity and confidence (critical + high confidence = 98, 100 when correlated; informational + low = 8). */
export function findingScore(severity: Severity, confidence: Confidence, correlated = false): number {
  return SEVERITY_RANK[severity] * 20 + CONFIDENCE_POINTS[confidence] + (correlated ? CORRELATION_BONUS : 0);
}

export interface Finding {
  id: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  techniques: string[];
  host: string | null;
  first_seen: string | null;
  last_seen: string | null;
  count: number;
  evidence: EvidenceRef[];
  /** Values of the fields the rule tests, from the first matching event. */
  fields: Record<string, FieldValue>;
  /** the Sigma rule (id or title) for rule findings, null for audit findings */
  rule_id: string | null;
  /** the audit check for audit findings */
  check?: string;
  description?: string;
  falsepositives: string[];
  references: string[];
  /** 0-100: severity x confidence, raised when a correlation joined the finding's events */
  score: number;
  /** What the analyst does next: the playbook steps the rule or check names (null when none does). */
  playbook: PlaybookStep[] | null;
  correlation?: boolean;
  /** ids of the correlation findings that joined this finding's events */
  correlated_by?: string[];
}
