// Per-event field access for matchers, with the lower-cased forms cached so each field is folded once
// however many rules read it.
import type { FieldValue } from '../events/model.js';

export class EventView {
  private lowerCache = new Map<string, string[] | null>();
  private stringCache = new Map<string, string[] | null>();
  private allStrings: string[] | null = null;
  private allLowerCache: string[] | null = null;
  private ciKeys: Map<string, string> | null = null;

  constructor(readonly fields: Record<string, FieldValue>, readonly raw?: FieldValue) {}

  /** True when the field is present, whatever its value (the `exists` modifier). */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  get(name: string): FieldValue | undefined {
    const f = this.fields;
    if (Object.prototype.hasOwnProperty.call(f, name)) return f[name];
    if (name.includes('.')) {
      const inFields = path(f, name);
      if (inFields !== undefined) return inFields;
      if (this.raw !== undefined) {
        const inRaw = path(this.raw, name);
        if (inRaw !== undefined) return inRaw;
      }
    }
    // Field names are matched case-insensitively as a fallback (exports differ in casing).
    if (!this.ciKeys) {
      this.ciKeys = new Map();
      for (const k of Object.keys(f)) {
        const l = lowerName(k);
        if (!this.ciKeys.has(l)) this.ciKeys.set(l, k);
      }
    }
    const k = this.ciKeys.get(lowerName(name));
    return k === undefined ? undefined : f[k];
  }

  /** String forms of the field's scalar values (arrays flattened); null when the field is absent or null. */
  strings(name: string): string[] | null {
    let s = this.stringCache.get(name);
    if (s === undefined) {
      const v = this.get(name);
      s = v === undefined || v === null ? null : pushScalars(v, [], false);
      this.stringCache.set(name, s);
    }
    return s;
  }

  lower(name: string): string[] | null {
    let s = this.lowerCache.get(name);
    if (s === undefined) {
      const raw = this.strings(name);
      s = raw === null ? null : raw.map((x) => x.toLowerCase());
      this.lowerCache.set(name, s);
    }
    return s;
  }

  /** Every value of the event (nested ones too), for keyword searches. */
  all(): string[] {
    if (!this.allStrings) {
      const out: string[] = [];
      for (const k in this.fields) pushScalars(this.fields[k]!, out, true);
      this.allStrings = out;
    }
    return this.allStrings;
  }

  allLower(): string[] {
    if (!this.allLowerCache) this.allLowerCache = this.all().map((x) => x.toLowerCase());
    return this.allLowerCache;
  }
}

/** Field names repeat from event to event: their lower-cased forms are kept (a bounded number of them). */
const lowerNames = new Map<string, string>();
function lowerName(k: string): string {
  let l = lowerNames.get(k);
  if (l === undefined) {
    l = k.toLowerCase();
    if (lowerNames.size < 65536) lowerNames.set(k, l);
  }
  return l;
}

function path(root: FieldValue, dotted: string): FieldValue | undefined {
  let cur: FieldValue | undefined = root;
  for (const seg of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    cur = (cur as Record<string, FieldValue>)[seg];
  }
  return cur;
}

export function scalarString(v: FieldValue): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

/** Scalars of a value in document order (arrays flattened; with `objects`, objects' members too), walked without recursion: evidence can nest arbitrarily deep. */
export function pushScalars(v: FieldValue, out: string[], objects: boolean): string[] {
  const stack: FieldValue[] = [v];
  while (stack.length) {
    const x = stack.pop()!;
    if (Array.isArray(x)) { for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]!); continue; }
    if (x !== null && typeof x === 'object') {
      if (objects) { const ks = Object.keys(x); for (let i = ks.length - 1; i >= 0; i--) stack.push(x[ks[i]!]!); }
      continue;
    }
    const s = scalarString(x);
    if (s !== null) out.push(s);
  }
  return out;
}

/** Is the value nested (objects and arrays) deeper than `max` levels? Walked without recursion. */
export function nestedDeeper(v: FieldValue, max: number): boolean {
  const stack: [FieldValue, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (d >= max) return true;
    for (const y of Array.isArray(x) ? x : Object.values(x)) if (y !== null && typeof y === 'object') stack.push([y, d + 1]);
  }
  return false;
}
