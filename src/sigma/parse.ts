// YAML text -> validated Sigma documents (rules, correlation rules, filters), with positioned problems.
import type {
  CorrelationCondition, CorrelationRule, CorrelationType, Cond, Detection, FilterRule, Item, Level,
  Logsource, RuleMeta, RuleProblem, Search, SigmaDocument, SigmaRule,
} from './model.js';
import { LEVELS } from './model.js';
import { type Pos, type YMap, type YNode, type YScalar, mapGet, parseYamlDocuments, toPlain } from './yaml-doc.js';
import { applyModifiers, ModifierError, type Placeholders, type RawValue } from './modifiers.js';
import { checkRuleRegex } from './rule-regex.js';
import { ConditionError, parseCondition, referencedNames } from './condition.js';
import type { Value } from './model.js';
import { parseDuration } from '../util/time.js';

export interface ParseOptions { placeholders?: Placeholders }

export interface ParseResult {
  docs: SigmaDocument[];
  errors: RuleProblem[];
  warnings: RuleProblem[];
  /** Documents in the file (a failed document counts too). */
  documents: number;
}

class Invalid extends Error {
  constructor(message: string, readonly pos: Pos) { super(message); }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$/;
const TAG = /^[a-z0-9_-]+\.[a-z0-9._-]+$/;
const STATUS = new Set(['stable', 'test', 'experimental', 'deprecated', 'unsupported']);
const RELATED = new Set(['derived', 'obsolete', 'merged', 'renamed', 'similar']);
const CORR_TYPES = new Set<CorrelationType>(['event_count', 'value_count', 'temporal', 'temporal_ordered', 'value_sum', 'value_avg', 'value_percentile']);
const META_KEYS = new Set(['title', 'id', 'name', 'related', 'taxonomy', 'status', 'description', 'license', 'author', 'references', 'date', 'modified', 'logsource', 'detection', 'fields', 'falsepositives', 'level', 'tags', 'scope', 'correlation', 'filter', 'generate']);

export function parseSigmaText(text: string, path: string, opts: ParseOptions = {}): ParseResult {
  const res: ParseResult = { docs: [], errors: [], warnings: [], documents: 0 };
  let ydocs;
  try {
    ydocs = parseYamlDocuments(text);
  } catch (e) {
    res.errors.push({ path, message: `YAML: ${(e as Error).message}` });
    return res;
  }
  for (const yd of ydocs) {
    if (!yd.root && yd.errors.length === 0) continue; // empty document (e.g. trailing ---)
    res.documents++;
    if (yd.errors.length) {
      for (const e of yd.errors) res.errors.push({ path, line: e.pos.line, col: e.pos.col, ...(yd.id ? { rule_id: yd.id } : {}), message: `YAML: ${e.message}` });
      continue;
    }
    const root = yd.root!;
    let id: string | undefined;
    if (root.kind === 'map') {
      const idNode = mapGet(root, 'id')?.value;
      if (idNode?.kind === 'scalar' && typeof idNode.value === 'string') id = idNode.value;
    }
    const warn = (message: string, pos: Pos) => res.warnings.push({ path, line: pos.line, col: pos.col, ...(id ? { rule_id: id } : {}), message });
    try {
      res.docs.push(parseDocument(root, path, opts, warn));
    } catch (e) {
      // Anything else is a defect of ours, but one document must not end the run.
      const [pos, message] = e instanceof Invalid ? [e.pos, e.message] : [root.pos, `cannot read this document: ${(e as Error).message}`];
      res.errors.push({ path, line: pos.line, col: pos.col, ...(id ? { rule_id: id } : {}), message });
    }
  }
  return res;
}

type Warn = (message: string, pos: Pos) => void;

function parseDocument(root: YNode, path: string, opts: ParseOptions, warn: Warn): SigmaDocument {
  if (root.kind !== 'map') throw new Invalid('a Sigma document must be a YAML map', root.pos);
  if (mapGet(root, 'action')) throw new Invalid("'action' (Sigma 1 rule collections) is not part of the Sigma 2 specification", mapGet(root, 'action')!.keyPos);
  const isCorr = !!mapGet(root, 'correlation');
  const isFilter = !!mapGet(root, 'filter');
  const meta = parseMeta(root, isCorr || isFilter, warn);
  const source = { path, pos: root.pos };
  if (isCorr) return parseCorrelation(root, meta, source);
  if (isFilter) return parseFilter(root, meta, source, opts, warn);
  const logsource = parseLogsource(root, warn);
  const det = mapGet(root, 'detection');
  if (!det) throw new Invalid("missing required field 'detection'", root.pos);
  const detection = parseDetection(det.value, opts, warn, 'detection');
  const rule: SigmaRule = { type: 'rule', meta, logsource, detection, source };
  return rule;
}

function str(n: YNode, what: string): string {
  if (n.kind !== 'scalar' || n.value === null || typeof n.value === 'object') throw new Invalid(`'${what}' must be a string`, n.pos);
  return typeof n.value === 'string' ? n.value : (n as YScalar).source ?? String(n.value);
}

function strList(n: YNode, what: string, allowSingle = false): string[] {
  if (n.kind === 'scalar' && allowSingle && n.value !== null) return [str(n, what)];
  if (n.kind !== 'seq') throw new Invalid(`'${what}' must be a list of strings`, n.pos);
  return n.items.map((x) => str(x, what));
}

function parseMeta(root: YMap, lenientId: boolean, warn: Warn): RuleMeta {
  const get = (k: string) => mapGet(root, k)?.value;
  const titleNode = get('title');
  if (!titleNode) throw new Invalid("missing required field 'title'", root.pos);
  const title = str(titleNode, 'title');
  if (title.length > 256) throw new Invalid(`'title' is longer than 256 characters (${title.length})`, titleNode.pos);
  const meta: RuleMeta = { title, tags: [], custom: {} };
  const idNode = get('id');
  if (idNode) {
    const id = str(idNode, 'id');
    if (!UUID.test(id)) {
      if (lenientId) warn(`'id' ${id} is not a UUID (recommended)`, idNode.pos);
      else throw new Invalid(`'id' must be a UUID, got '${id}'`, idNode.pos);
    }
    meta.id = id;
  }
  const nameNode = get('name');
  if (nameNode) meta.name = str(nameNode, 'name');
  const status = get('status');
  if (status) {
    const s = str(status, 'status');
    if (!STATUS.has(s)) throw new Invalid(`'status' must be one of ${[...STATUS].join(', ')}; got '${s}'`, status.pos);
    meta.status = s;
  }
  const level = get('level');
  if (level) {
    const l = str(level, 'level');
    if (!(LEVELS as readonly string[]).includes(l)) throw new Invalid(`'level' must be one of ${LEVELS.join(', ')}; got '${l}'`, level.pos);
    meta.level = l as Level;
  }
  const desc = get('description');
  if (desc) {
    meta.description = str(desc, 'description');
    if (meta.description.length > 65535) throw new Invalid("'description' is longer than 65,535 characters", desc.pos);
  }
  const author = get('author');
  if (author) meta.author = str(author, 'author');
  for (const k of ['date', 'modified'] as const) {
    const n = get(k);
    if (!n) continue;
    const v = str(n, k);
    if (!DATE.test(v)) throw new Invalid(`'${k}' must be a date YYYY-MM-DD, got '${v}'`, n.pos);
    meta[k] = v;
  }
  const refs = get('references');
  if (refs) meta.references = strList(refs, 'references');
  const fps = get('falsepositives');
  if (fps) meta.falsepositives = strList(fps, 'falsepositives', true);
  const fields = get('fields');
  if (fields) meta.fields = strList(fields, 'fields');
  const tags = get('tags');
  if (tags) {
    meta.tags = strList(tags, 'tags');
    if (tags.kind === 'seq') tags.items.forEach((t, i) => {
      if (!TAG.test(meta.tags[i]!)) throw new Invalid(`tag '${meta.tags[i]}' does not match namespace.name (lower case letters, digits, '_', '-', '.')`, t.pos);
    });
  }
  const related = get('related');
  if (related) {
    if (related.kind !== 'seq') throw new Invalid("'related' must be a list of {id, type}", related.pos);
    for (const r of related.items) {
      if (r.kind !== 'map') throw new Invalid("'related' entries must be maps with 'id' and 'type'", r.pos);
      const t = mapGet(r, 'type'), i = mapGet(r, 'id');
      if (!t || !i) throw new Invalid("'related' entries need 'id' and 'type'", r.pos);
      const tv = str(t.value, 'related.type');
      if (!RELATED.has(tv)) throw new Invalid(`related type must be one of ${[...RELATED].join(', ')}; got '${tv}'`, t.value.pos);
    }
  }
  for (const k of ['license', 'taxonomy']) { const n = get(k); if (n) str(n, k); }
  const scope = get('scope');
  if (scope) strList(scope, 'scope');
  for (const e of root.entries) if (!META_KEYS.has(e.key)) meta.custom[e.key] = toPlain(e.value);
  return meta;
}

function parseLogsource(root: YMap, warn: Warn): Logsource {
  const n = mapGet(root, 'logsource');
  if (!n) throw new Invalid("missing required field 'logsource'", root.pos);
  if (n.value.kind !== 'map') throw new Invalid("'logsource' must be a map", n.value.pos);
  const ls: Logsource = {};
  for (const e of n.value.entries) {
    if (e.key === 'product' || e.key === 'category' || e.key === 'service' || e.key === 'definition') {
      const v = str(e.value, `logsource.${e.key}`);
      if (e.key !== 'definition' && !/^[a-z0-9_.-]+$/.test(v)) warn(`logsource ${e.key} '${v}' should be lower case with '_' for spaces`, e.value.pos);
      ls[e.key] = e.key === 'definition' ? v : v.toLowerCase();
    } else warn(`unknown logsource field '${e.key}'`, e.keyPos);
  }
  if (!ls.product && !ls.category && !ls.service) throw new Invalid("'logsource' needs at least one of product, category, service", n.value.pos);
  return ls;
}

function scalarValue(n: YNode, what: string): { v: RawValue; source?: string } {
  if (n.kind !== 'scalar') throw new Invalid(`${what}: expected a plain value, found a ${n.kind === 'map' ? 'map' : 'list'}`, n.pos);
  return { v: n.value, ...(n.source !== undefined ? { source: n.source } : {}) };
}

function parseItem(key: string, keyPos: Pos, value: YNode, opts: ParseOptions, warn: Warn): Item {
  const segs = key.split('|');
  const field = segs[0]! === '' ? null : segs[0]!;
  const modifiers = segs.slice(1).map((m) => m.trim());
  if (modifiers.some((m) => m === '')) throw new Invalid(`empty modifier in '${key}'`, keyPos);
  let raw: { v: RawValue; source?: string }[];
  if (value.kind === 'seq') {
    // pySigma treats an empty list as a null test; the specification is silent, so we follow it.
    raw = value.items.length === 0 ? [{ v: null }] : value.items.map((x) => scalarValue(x, key));
    if (value.items.length > 1 && raw.some((r) => r.v === null)) throw new Invalid(`'${key}': null cannot be part of a value list; use a separate selection`, value.pos);
  } else raw = [scalarValue(value, key)];
  try {
    const spec = applyModifiers(field, modifiers, raw.map((r) => r.v), raw.map((r) => r.source), opts.placeholders);
    if (!modifiers.includes('re')) {
      // The classic path pitfall: 'C:\Program Files\*\x.exe' holds an escaped (literal) star.
      const esc = raw.find((r) => typeof r.v === 'string' && /(^|[^\\])\\\*/.test(r.v));
      if (esc) warn(`'${key}': value '${String(esc.v)}' contains \\* (a literal star); write \\\\* for a backslash followed by a wildcard`, keyPos);
    }
    for (const w of spec.warnings) warn(`'${key}': ${w}`, keyPos);
    for (const v of spec.values) checkValue(v, key, value.pos);
    return { field, modifiers, values: spec.values, all: spec.all, negate: spec.negate, pos: keyPos };
  } catch (e) {
    if (e instanceof ModifierError) throw new Invalid(`'${key}': ${e.message}`, keyPos);
    throw e;
  }
}

function checkValue(v: Value, key: string, pos: Pos): void {
  if (v.t === 're') {
    const err = checkRuleRegex(v.source, v.flags);
    if (err) throw new Invalid(`'${key}': ${err}`, pos);
  } else if (v.t === 'any-of') v.values.forEach((x) => checkValue(x, key, pos));
}

function parseSearch(n: YNode, name: string, opts: ParseOptions, warn: Warn): Search {
  if (n.kind === 'map') {
    if (n.entries.length === 0) throw new Invalid(`search identifier '${name}' is an empty map`, n.pos);
    return { k: 'and', items: n.entries.map((e) => parseItem(e.key, e.keyPos, e.value, opts, warn)) };
  }
  if (n.kind === 'seq') {
    if (n.items.length === 0) throw new Invalid(`search identifier '${name}' is an empty list`, n.pos);
    const maps = n.items.filter((x) => x.kind === 'map').length;
    if (maps === n.items.length) return { k: 'or', items: n.items.map((x) => parseSearch(x, name, opts, warn)) };
    if (maps > 0) throw new Invalid(`search identifier '${name}' mixes maps and plain values in one list`, n.pos);
    return { k: 'item', item: parseItem('', n.pos, n, opts, warn) };
  }
  if (n.value === null) throw new Invalid(`search identifier '${name}' is empty`, n.pos);
  return { k: 'item', item: parseItem('', n.pos, n, opts, warn) };
}

export function parseDetection(n: YNode, opts: ParseOptions, warn: Warn, what: string, extraKeys: ReadonlySet<string> = new Set()): Detection {
  if (n.kind !== 'map') throw new Invalid(`'${what}' must be a map`, n.pos);
  const searches = new Map<string, Search>();
  let condEntry: { value: YNode; keyPos: Pos } | undefined;
  for (const e of n.entries) {
    if (e.key === 'condition') { condEntry = e; continue; }
    if (extraKeys.has(e.key)) continue;
    if (e.key === 'timeframe') throw new Invalid("'timeframe' is Sigma 1 aggregation syntax; use a correlation rule with 'timespan'", e.keyPos);
    searches.set(e.key, parseSearch(e.value, e.key, opts, warn));
  }
  if (!condEntry) throw new Invalid(`missing required field '${what}.condition'`, n.pos);
  const names = [...searches.keys()];
  const condNodes = condEntry.value.kind === 'seq' ? condEntry.value.items : [condEntry.value];
  if (condNodes.length === 0) throw new Invalid('condition is an empty list', condEntry.value.pos);
  const conds: Cond[] = [];
  const texts: string[] = [];
  for (const cn of condNodes) {
    const text = str(cn, 'condition');
    try {
      conds.push(parseCondition(text, names));
      texts.push(text);
    } catch (e) {
      if (e instanceof ConditionError) {
        throw new Invalid(`condition: ${e.message}`, { line: cn.pos.line, col: cn.pos.col + e.offset + (cn.kind === 'scalar' && cn.source === undefined ? 1 : 0) });
      }
      throw e;
    }
  }
  const condition: Cond = conds.length === 1 ? conds[0]! : { k: 'or', items: conds };
  const used = referencedNames(condition);
  for (const name of names) if (!used.has(name)) warn(`search identifier '${name}' is not used by the condition`, n.pos);
  return { searches, condition, conditionText: texts };
}

function parseCorrelation(root: YMap, meta: RuleMeta, source: { path: string; pos: Pos }): CorrelationRule {
  const c = mapGet(root, 'correlation')!.value;
  if (c.kind !== 'map') throw new Invalid("'correlation' must be a map", c.pos);
  const need = (k: string) => {
    const e = mapGet(c, k);
    if (!e) throw new Invalid(`missing required field 'correlation.${k}'`, c.pos);
    return e.value;
  };
  const typeNode = need('type');
  const ctype = str(typeNode, 'correlation.type') as CorrelationType;
  if (!CORR_TYPES.has(ctype)) throw new Invalid(`correlation type must be one of ${[...CORR_TYPES].join(', ')}; got '${ctype}'`, typeNode.pos);
  const rulesNode = need('rules');
  const rules = strList(rulesNode, 'correlation.rules', true);
  if (rules.length === 0) throw new Invalid("'correlation.rules' is empty", rulesNode.pos);
  if ((ctype === 'temporal' || ctype === 'temporal_ordered') && rules.length < 2) throw new Invalid(`a ${ctype} correlation needs at least two rules`, rulesNode.pos);
  const gb = mapGet(c, 'group-by');
  const groupBy = gb ? strList(gb.value, 'correlation.group-by', true) : [];
  const tsNode = need('timespan');
  const timespanText = str(tsNode, 'correlation.timespan');
  const timespan = parseDuration(timespanText);
  if (Number.isNaN(timespan)) throw new Invalid(`timespan must be a positive number followed by s, m, h or d (e.g. 90m); got '${timespanText}'`, tsNode.pos);
  const condition: CorrelationCondition = {};
  const condEntry = mapGet(c, 'condition');
  if (condEntry) {
    if (condEntry.value.kind !== 'map') throw new Invalid("'correlation.condition' must be a map such as {gte: 10}", condEntry.value.pos);
    for (const e of condEntry.value.entries) {
      if (e.key === 'field') { condition.field = strList(e.value, 'condition.field', true); continue; }
      if (!['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(e.key)) throw new Invalid(`unknown correlation condition operator '${e.key}'`, e.keyPos);
      const v = e.value.kind === 'scalar' ? e.value.value : null;
      if (typeof v !== 'number') throw new Invalid(`correlation condition '${e.key}' needs a number`, e.value.pos);
      (condition as Record<string, number>)[e.key] = v;
    }
  }
  const hasOp = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].some((k) => k in condition);
  if (!hasOp) {
    if (ctype === 'temporal' || ctype === 'temporal_ordered') condition.gte = rules.length;
    else throw new Invalid(`a ${ctype} correlation needs a condition (gt, gte, lt, lte, eq)`, condEntry?.value.pos ?? c.pos);
  }
  if (ctype.startsWith('value_') && !condition.field?.length) throw new Invalid(`a ${ctype} correlation needs 'condition.field'`, condEntry?.value.pos ?? c.pos);
  const aliases: Record<string, Record<string, string>> = {};
  const al = mapGet(c, 'aliases');
  if (al) {
    if (al.value.kind !== 'map') throw new Invalid("'correlation.aliases' must be a map", al.value.pos);
    for (const a of al.value.entries) {
      if (a.value.kind !== 'map') throw new Invalid(`alias '${a.key}' must map rule names to field names`, a.value.pos);
      aliases[a.key] = {};
      for (const r of a.value.entries) aliases[a.key]![r.key] = str(r.value, `aliases.${a.key}.${r.key}`);
    }
  }
  const genNode = mapGet(c, 'generate') ?? mapGet(root, 'generate');
  let generate = false;
  if (genNode) {
    if (genNode.value.kind !== 'scalar' || typeof genNode.value.value !== 'boolean') throw new Invalid("'generate' must be true or false", genNode.value.pos);
    generate = genNode.value.value;
  }
  return { type: 'correlation', meta, ctype, rules, groupBy, timespan, timespanText, condition, aliases, generate, source };
}

function parseFilter(root: YMap, meta: RuleMeta, source: { path: string; pos: Pos }, opts: ParseOptions, warn: Warn): FilterRule {
  const logsource = parseLogsource(root, warn);
  const f = mapGet(root, 'filter')!.value;
  if (f.kind !== 'map') throw new Invalid("'filter' must be a map", f.pos);
  const rn = mapGet(f, 'rules');
  if (!rn) throw new Invalid("missing required field 'filter.rules'", f.pos);
  let rules: string[];
  if (rn.value.kind === 'scalar' && rn.value.value === 'any') rules = [];
  else rules = strList(rn.value, 'filter.rules', true);
  const detection = parseDetection(f, opts, warn, 'filter', new Set(['rules']));
  return { type: 'filter', meta, logsource, rules, detection, source };
}
