// The finding: what reports, the case store and the web UI read (DESIGN.md, Findings).
import type { Level } from '../sigma/model.js';
import type { FieldValue, SourceKind } from '../events/model.js';

export type Severity = Level;
export type Confidence = 'low' | 'medium' | 'high';

export const SEVERITY_RANK: Record<Severity, number> = { informational: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Kinds of the files the transport agent audit reads. */
export type AuditFileKind = 'agents-config' | 'cmdlet-export' | 'pe' | 'manifest' | 'server-info';

export interface EvidenceRef { file: string; kind: SourceKind | AuditFileKind; record?: number; line?: number; offset?: number }

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
  /** The next step for the analyst; filled from the technique knowledge pack when one covers the rule. */
  playbook: string[] | null;
  correlation?: boolean;
}
