// The normalised event every source produces and every rule reads (DESIGN.md, "The event model").

export type FieldValue = string | number | boolean | null | FieldValue[] | { [k: string]: FieldValue };

/** `exchangelog`: Exchange Server's W3C-style text logs (message tracking, agent, SMTP protocol, ...); `eml`: a message file. */
export type SourceKind = 'evtx' | 'json' | 'jsonl' | 'xml' | 'csv' | 'exchangelog' | 'eml';

export interface EventRef {
  file: string;
  kind: SourceKind;
  record?: number;
  offset?: number;
  line?: number;
}

export interface EventLogsource {
  product?: string;
  service?: string;
  category?: string;
  /** Every category the event belongs to when there is more than one (Sysmon 12: registry_event and registry_add). */
  categories?: string[];
}

export function eventCategories(ls: EventLogsource): string[] {
  return ls.categories ?? (ls.category ? [ls.category] : []);
}

export interface Event {
  ref: EventRef;
  /** epoch milliseconds, UTC; NaN when the event carries no usable time */
  time: number;
  host?: string;
  logsource: EventLogsource;
  /** Sigma taxonomy names (Image, CommandLine, EventID, Provider_Name, ...). */
  fields: Record<string, FieldValue>;
  /** The record as read, for dotted-path lookups of original names (Event.System.Channel). */
  raw?: FieldValue;
}
