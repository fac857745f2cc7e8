// The versioned record of one finding in JSON and JSON lines output (schemas/finding.schema.json).
import type { Finding } from '../findings/model.js';

/**
 * Names the record's shape: `tracehound.finding/N`. N changes with every change to the shape (a
 * field added, removed, renamed, or given another type or meaning), and
 * `schemas/finding.schema.json` (whose `$id` ends in the same N) validates exactly the records of
 * its N: it allows no other fields.
 */
export const FINDING_SCHEMA = 'tracehound.finding/2';

export type FindingRecord = { schema: typeof FINDING_SCHEMA } & Finding;

/** The finding as written in JSON and JSON lines: `schema` first, then the finding's own fields. */
export function findingRecord(f: Finding): FindingRecord {
  return { schema: FINDING_SCHEMA, ...f };
}
