// KQL for Microsoft Defender XDR advanced hunting and Microsoft Sentinel (data/backends/kql.yaml).
// Case-insensitive operators (=~, in~, contains, startswith, endswith) unless `|cased`; wildcards in
// the middle of a value and character classes become an anchored `matches regex` with (?i);
// `|re` is printed in RE2 syntax (Kusto's regex engine) with tracehound's semantics.
import type { CorrelationRule, Part, SigmaRule } from '../model.js';
import { CMP_OP, ConversionError, expandClasses, inDialect, shapeOf, type Expr, type Pred, conditionExpr } from './ir.js';
import type { Backend, CorrelationInput } from './types.js';
import { NUMERIC, channelCondition, firstThatConverts, fieldTarget, type ColumnType, type FieldTarget, type LogsourceEntry, type TargetMapping } from './mapping.js';
import { escapeRegexLiteral as reEsc, toRe2 } from '../regex-ast.js';

/** A KQL string literal: verbatim (@"...") when that is simpler, else with escapes. */
export function kqlString(s: string): string {
  if (s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in a KQL string literal', 'unsupported value');
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u2028\u2029]/.test(s) && /[\\"]/.test(s)) return `@"${s.replace(/"/g, '""')}"`;
  return '"' + s.replace(/[\\"\u0000-\u001f\u2028\u2029]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  }) + '"';
}

export function kqlName(n: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(n) ? n : `['${n.replace(/'/g, "\\'")}']`;
}

function clsEsc(chars: string): string {
  return '[' + [...chars].map((c) => (/[\\\]\[^-]/.test(c) ? '\\' + c : c.codePointAt(0)! > 0x7e ? `\\x{${c.codePointAt(0)!.toString(16).toUpperCase()}}` : c)).join('') + ']';
}

/** A whole-value glob as an anchored RE2 body. */
function globRe(parts: Part[]): string {
  return parts.map((p) => (p.k === 'lit' ? reEsc(p.s) : p.k === 'any' ? '.*' : p.k === 'one' ? '.' : clsEsc(p.chars))).join('');
}

/** XML element text with the entities XML writes turned back into characters. */
function unescapeXml(x: string): string {
  const pairs: [string, string][] = [['&lt;', '"<"'], ['&gt;', '">"'], ['&quot;', '@""""'], ['&apos;', '"\'"'], ['&#xD;', '"\\r"'], ['&#xA;', '"\\n"'], ['&#x9;', '"\\t"'], ['&amp;', '"&"']];
  let out = x;
  for (const [ent, ch] of pairs) out = `replace_string(${out}, "${ent}", ${ch})`;
  return out;
}

/** The regex that finds a named event-data item (`<Data Name="x">text</Data>`) and captures its text. */
function xmlItemRe(name: string | null): string {
  return name === null ? '<Data>([^<]*)</Data>' : `<Data Name="${name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}">([^<]*)</Data>`;
}

/** Per-rule printing state: the XML items read (extended as columns) and the per-value tests of multi-valued items. */
interface Ctx {
  m: TargetMapping;
  e: LogsourceEntry;
  /** alias -> expression, added with `extend` before the where clause */
  ext: Map<string, string>;
  /** array expression -> countif aggregates computed over its values with mv-apply */
  mv: Map<string, { alias: string; test: string }[]>;
  n: number;
}

/** A field as a KQL scalar expression with its type. */
interface Resolved { x: string; type: ColumnType; target: FieldTarget }

const VALUE = 'th_value';

export class KqlBackend implements Backend {
  readonly target = 'kql' as const;
  readonly flavour = 'defender-sentinel';
  readonly separator = '\n\n';

  constructor(private m: TargetMapping) {}

  comment(text: string): string { return text.split('\n').map((l) => `// ${l}`).join('\n'); }

  private resolve(ctx: Ctx, field: string): Resolved {
    const t = fieldTarget(ctx.m, ctx.e, field);
    switch (t.kind) {
      case 'column': return { x: kqlName(t.name), type: t.type, target: t };
      case 'expr': return { x: t.expr.replace(/\s*\n\s*/g, ' '), type: t.type, target: t };
      case 'xml': {
        if (t.name === null) return { x: '', type: 'string', target: t };
        // A named item becomes a column of its own (extend), so the where clause reads like the rule.
        const cols = ctx.e.table ? ctx.m.tables[ctx.e.table]?.columns ?? {} : {};
        let alias = /^[A-Za-z_][A-Za-z0-9_]*$/.test(t.name) && !cols[t.name] ? t.name : `Data_${t.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
        const expr = unescapeXml(`extract(${kqlString(xmlItemRe(t.name))}, 1, ${kqlName(t.column)})`);
        while (ctx.ext.has(alias) && ctx.ext.get(alias) !== expr) alias += '_';
        ctx.ext.set(alias, expr);
        return { x: kqlName(alias), type: 'string', target: t };
      }
      case 'hashes': return { x: '', type: 'string', target: t };
    }
  }

  /** A test over every value of a multi-valued XML item: counted per row with mv-apply, true when any value passes. */
  private anyValue(ctx: Ctx, array: string, test: string): string {
    let l = ctx.mv.get(array);
    if (!l) ctx.mv.set(array, (l = []));
    const found = l.find((x) => x.test === test);
    if (found) return `${found.alias} > 0`;
    const alias = `th_any${ctx.n++}`;
    l.push({ alias, test });
    return `${alias} > 0`;
  }

  private strOn(x: string, type: ColumnType, parts: Part[], cased: boolean): string {
    const s = type === 'string' ? x : `tostring(${x})`;
    // KQL's operators fold case themselves: the values stay as the rule writes them.
    const sh = shapeOf(parts);
    const cs = cased ? '_cs' : '';
    switch (sh.kind) {
      case 'any': return `isnotempty(${s})`;
      case 'eq': return `${s} ${cased ? '==' : '=~'} ${kqlString(sh.lit)}`;
      case 'prefix': return `${s} startswith${cs} ${kqlString(sh.lit)}`;
      case 'suffix': return `${s} endswith${cs} ${kqlString(sh.lit)}`;
      case 'contains': return `${s} contains${cs} ${kqlString(sh.lit)}`;
      case 'glob': {
        // A few windash alternatives read better (and run faster) as plain comparisons.
        const alts = expandClasses(parts, 8);
        if (alts && alts.every((a) => shapeOf(a).kind !== 'glob')) return `(${alts.map((a) => this.strOn(x, type, a, cased)).join(' or ')})`;
        return `${s} matches regex ${kqlString(`(?s${cased ? '' : 'i'})^${globRe(parts)}$`)}`;
      }
    }
  }

  private predOn(ctx: Ctx, r: Resolved, field: string, p: Pred): string {
    const { x, type, target } = r;
    if (target.kind === 'hashes') return this.hashes(target.columns, field, p);
    if (target.kind === 'xml' && target.name === null) return this.xmlValues(ctx, target.column, p, field);
    const numeric = NUMERIC.has(type);
    const s = type === 'string' ? x : `tostring(${x})`;
    switch (p.t) {
      case 'str': return this.strOn(x, type, p.parts, p.cased);
      case 'num': {
        if (numeric) return `${x} == ${p.n}`;
        return p.forms.length === 1 ? `${s} =~ ${kqlString(p.forms[0]!)}` : `${s} in~ (${p.forms.map(kqlString).join(', ')})`;
      }
      case 're': {
        return `${s} matches regex ${kqlString(inDialect(() => toRe2(p.re)))}`;
      }
      case 'cidr':
        return `coalesce(${p.net.v6 ? 'ipv6_is_in_range' : 'ipv4_is_in_range'}(${s}, ${kqlString(p.cidr)}), false)`;
      case 'cmp': {
        const op = CMP_OP[p.op];
        return numeric ? `coalesce(${x} ${op} ${p.n}, false)` : `coalesce(todouble(${s}) ${op} ${p.n}, false)`;
      }
      case 'exists':
        if (target.kind === 'xml') return `${kqlName(target.column)} contains_cs ${kqlString(`<Data Name="${target.name}"`)}`;
        return type === 'string' ? `isnotempty(${x})` : `isnotnull(${x})`;
      case 'null':
        if (target.kind === 'xml') return `not(${kqlName(target.column)} contains_cs ${kqlString(`<Data Name="${target.name}"`)})`;
        return type === 'string' ? `isempty(${x})` : `isnull(${x})`;
      case 'fieldref': {
        const o = this.resolve(ctx, p.other);
        if (o.target.kind === 'hashes' || (o.target.kind === 'xml' && o.target.name === null)) throw new ConversionError(`field '${p.other}' cannot be compared with another field in KQL`, 'fieldref');
        const b0 = o.type === 'string' ? o.x : `tostring(${o.x})`;
        const A = p.cased ? s : `tolower(${s})`, B = p.cased ? b0 : `tolower(${b0})`;
        const rel = p.mode === 'eq' ? `${A} == ${B}`
          : p.mode === 'contains' ? `indexof(${A}, ${B}) >= 0`
          : p.mode === 'startswith' ? `indexof(${A}, ${B}) == 0`
          : `(strlen(${A}) >= strlen(${B}) and substring(${A}, strlen(${A}) - strlen(${B})) == ${B})`;
        return `(isnotempty(${s}) and isnotempty(${b0}) and ${rel})`;
      }
      case 'datepart': {
        const d = `todatetime(${s})`;
        const part = p.part === 'week' ? `week_of_year(${d})` : `datetime_part(${kqlString(p.part)}, ${d})`;
        const op = p.op === 'eq' ? '==' : CMP_OP[p.op];
        return `coalesce(${part} ${op} ${p.n}, false)`;
      }
    }
  }

  /** Sysmon's Hashes value (`SHA256=…`) against Defender's per-algorithm columns. */
  private hashes(columns: Record<string, string>, field: string, p: Pred): string {
    if (p.t !== 'str') throw new ConversionError(`'${field}' can only be compared with ALGORITHM=hash values in this table`, 'hashes');
    const sh = shapeOf(p.parts);
    if (sh.kind === 'glob' || sh.kind === 'any') throw new ConversionError(`'${field}' can only be compared with ALGORITHM=hash values in this table`, 'hashes');
    const m = /^([A-Za-z0-9]+)=([0-9A-Fa-f]+)$/.exec(sh.lit);
    if (!m) throw new ConversionError(`'${field}' value '${sh.lit}' is not ALGORITHM=hash`, 'hashes');
    const col = Object.entries(columns).find(([k]) => k.toLowerCase() === m[1]!.toLowerCase())?.[1];
    if (!col) throw new ConversionError(`this table has no ${m[1]!.toUpperCase()} hash column`, 'hashes');
    // After "ALGO=" the hash starts and runs to the next comma: a full value is an equality, a partial one a prefix.
    const full = { md5: 32, sha1: 40, sha256: 64 }[m[1]!.toLowerCase()];
    const exact = sh.kind === 'eq' || sh.kind === 'suffix' || m[2]!.length === full;
    return exact ? `${kqlName(col)} =~ ${kqlString(m[2]!)}` : `${kqlName(col)} startswith ${kqlString(m[2]!)}`;
  }

  /** Unnamed event-data items (MSExchange Management's `Data`), or every item for keywords: any value passing the test. */
  private xmlValues(ctx: Ctx, column: string, p: Pred, field: string, all = false): string {
    const c = kqlName(column);
    const tag = all ? '<Data' : '<Data>';
    if (p.t === 'exists') return `${c} contains_cs ${kqlString(tag)}`;
    if (p.t === 'null') return `not(${c} contains_cs ${kqlString(tag)})`;
    if (p.t === 'fieldref' || p.t === 'datepart') throw new ConversionError(`'${field}' holds several values in the event's XML; this comparison is not supported there`, 'xml event data');
    const array = `extract_all(${kqlString(all ? '<Data(?: Name="[^"]*")?>([^<]*)</Data>' : xmlItemRe(null))}, ${c})`;
    const test = this.predOn(ctx, { x: VALUE, type: 'string', target: { kind: 'column', name: VALUE, type: 'string' } }, field, p);
    return this.anyValue(ctx, array, test);
  }

  private keyword(ctx: Ctx, p: Pred): string {
    const cols = ctx.e.keywords;
    if (!cols) throw new ConversionError(`keyword searches are not supported for ${ctx.e.table} (no column holds every value of the event)`, 'keywords');
    const xmlCol = ctx.e.fallback.kind === 'xml' ? ctx.e.fallback.column : null;
    return `(${cols.map((col) => {
      if (col === xmlCol) return this.xmlValues(ctx, col, p, '(keyword)', true);
      const type = (ctx.e.table ? ctx.m.tables[ctx.e.table]?.columns[col] : undefined) ?? 'string';
      return this.predOn(ctx, { x: kqlName(col), type, target: { kind: 'column', name: col, type } }, col, p);
    }).join(' or ')})`;
  }

  expr(ctx: Ctx, e: Expr): string {
    switch (e.k) {
      case 'const': return e.v ? 'true' : 'false';
      case 'not': return `not(${this.expr(ctx, e.item)})`;
      case 'and': return e.items.map((x) => this.wrap(ctx, x)).join(' and ');
      case 'or': {
        // Equality lists on one column read better as in~ (...); long lists of contains / startswith /
        // endswith on one column become one regex alternation (also keeps the query shallow enough
        // for Kusto's parser).
        const out: string[] = [];
        type Group = { i: number; x: string; type: ColumnType; kind: string; cased: boolean; lits: string[] };
        const groups = new Map<string, Group>();
        for (const x of e.items) {
          if (x.k === 'pred' && x.field !== null && x.pred.t === 'str') {
            const sh = shapeOf(x.pred.parts);
            const r = sh.kind !== 'glob' && sh.kind !== 'any' && sh.lit !== '' ? this.resolve(ctx, x.field) : null;
            if (r && sh.kind !== 'glob' && sh.kind !== 'any' && (r.target.kind === 'column' || r.target.kind === 'expr' || (r.target.kind === 'xml' && r.target.name !== null))) {
              const key = `${r.x}\u0000${r.type}\u0000${sh.kind}\u0000${x.pred.cased}`;
              const g = groups.get(key);
              if (g) { g.lits.push(sh.lit); continue; }
              groups.set(key, { i: out.length, x: r.x, type: r.type, kind: sh.kind, cased: x.pred.cased, lits: [sh.lit] });
              out.push('');
              continue;
            }
          }
          out.push(this.wrap(ctx, x));
        }
        for (const g of groups.values()) {
          const s = g.type === 'string' ? g.x : `tostring(${g.x})`;
          const one = (lit: string) => this.strOn(g.x, g.type, lit === '' ? [] : [...(g.kind === 'suffix' || g.kind === 'contains' ? [{ k: 'any' as const }] : []), { k: 'lit' as const, s: lit }, ...(g.kind === 'prefix' || g.kind === 'contains' ? [{ k: 'any' as const }] : [])], g.cased);
          if (g.kind === 'eq' && !g.cased) out[g.i] = g.lits.length === 1 ? `${s} =~ ${kqlString(g.lits[0]!)}` : `${s} in~ (${g.lits.map(kqlString).join(', ')})`;
          else if (g.lits.length > 8) {
            const alt = `(?:${g.lits.map(reEsc).join('|')})`;
            const body = g.kind === 'eq' ? `^${alt}$` : g.kind === 'prefix' ? `^${alt}` : g.kind === 'suffix' ? `${alt}$` : alt;
            out[g.i] = `${s} matches regex ${kqlString(`(?s${g.cased ? '' : 'i'})${body}`)}`;
          } else out[g.i] = g.lits.map(one).join(' or ');
        }
        return out.join(' or ');
      }
      case 'pred': return e.field === null ? this.keyword(ctx, e.pred) : this.predOn(ctx, this.resolve(ctx, e.field), e.field, e.pred);
    }
  }

  private wrap(ctx: Ctx, e: Expr): string {
    const s = this.expr(ctx, e);
    return e.k === 'and' || e.k === 'or' ? `(${s})` : s;
  }

  /** The table and the pipeline of a rule: the logsource's where clause, the XML items, then the detection. */
  private parts(rule: SigmaRule, e: Expr): { ctx: Ctx; table: string; body: string } {
    return firstThatConverts(this.m, rule.logsource, (entry) => this.partsFor(entry, rule, e));
  }

  private partsFor(entry: LogsourceEntry, rule: SigmaRule, e: Expr): { ctx: Ctx; table: string; body: string } {
    if (!entry.table) throw new ConversionError(`the KQL mapping entry for this logsource names no table (${this.m.file})`, 'unmapped logsource');
    const ctx: Ctx = { m: this.m, e: entry, ext: new Map(), mv: new Map(), n: 0 };
    const pre: string[] = [];
    if (entry.condition) pre.push(entry.condition);
    if (entry.channels) {
      const ch = channelCondition(rule.logsource);
      if (ch.k !== 'const') pre.push(this.wrap(ctx, ch));
    }
    // A logsource condition on an XML item (Sysmon 12's EventType) must come after the item is extracted.
    const preNeedsExt = ctx.ext.size > 0 || ctx.mv.size > 0;
    const det = e.k === 'const' && e.v ? '' : this.expr(ctx, e);
    const lines: string[] = [];
    const joinAll = (conds: string[], d: string) => [...conds, ...(d ? [conds.length ? `(${d})` : d] : [])].join(' and ') || 'true';
    if (ctx.ext.size || ctx.mv.size) {
      // The logsource first (cheap column tests), then the values read from the XML, then the detection.
      if (pre.length && !preNeedsExt) lines.push(`| where ${pre.join(' and ')}`);
      if (ctx.ext.size) lines.push(`| extend ${[...ctx.ext].map(([a, x]) => `${kqlName(a)} = ${x}`).join(',\n    ')}`);
      for (const [array, tests] of ctx.mv) {
        lines.push(`| mv-apply ${VALUE} = ${array} to typeof(string) on (\n    extend ${VALUE} = ${unescapeXml(VALUE)}\n    | summarize ${tests.map((t) => `${t.alias} = countif(${t.test})`).join(', ')})`);
      }
      lines.push(`| where ${preNeedsExt ? joinAll(pre, det) : det || 'true'}`);
      const drop = [...ctx.mv.values()].flat().map((t) => t.alias);
      if (drop.length) lines.push(`| project-away ${drop.join(', ')}`);
    } else {
      lines.push(`| where ${joinAll(pre, det)}`);
    }
    return { ctx, table: entry.table, body: lines.join('\n') };
  }

  rule(rule: SigmaRule, e: Expr): string {
    const { table, body } = this.parts(rule, e);
    return `${kqlName(table)}\n${body}`;
  }

  correlation(c: CorrelationRule, inputs: CorrelationInput[]): string {
    const span = `${c.timespan / 1000}s`;
    const alias = (g: string, ref: string) => c.aliases[g]?.[ref] ?? g;
    const groupCols = c.groupBy.map((g) => `g_${g.replace(/[^A-Za-z0-9_]/g, '_')}`);
    const vf = c.condition.field?.[0];
    const lets = inputs.map((inp, i) => {
      const { ctx, table, body } = this.parts(inp.rule, inp.expr);
      const time = this.m.tables[table]?.time;
      if (!time) throw new ConversionError(`table ${table} has no time column in ${this.m.file}`, 'correlation');
      const val = (f: string) => {
        const r = this.resolve(ctx, f);
        if (r.target.kind === 'hashes' || (r.target.kind === 'xml' && r.target.name === null)) throw new ConversionError(`'${f}' cannot be grouped by in KQL`, 'correlation');
        return r.type === 'string' ? r.x : `tostring(${r.x})`;
      };
      const cols = [`th_rule = ${kqlString(inp.ref)}`, `th_time = ${kqlName(time)}`,
        // group-by values compare case-insensitively, as in the correlator
        ...c.groupBy.map((g, k) => `${groupCols[k]} = tolower(${val(alias(g, inp.ref))})`),
        ...(vf ? [`th_value = ${val(alias(vf, inp.ref))}`] : [])];
      return `let th_m${i} = ${kqlName(table)}\n${body}\n| project ${cols.join(', ')};`;
    });
    const by = ['bin(th_time, ' + span + ')', ...groupCols].join(', ');
    const cond = (x: string) => conditionExpr(c.condition, x, { eq: '==', neq: '!=', and: ' and ', none: 'true', spaced: true });
    const union = inputs.length === 1 ? 'th_m0' : `union ${inputs.map((_, i) => `th_m${i}`).join(', ')}`;
    const summarize = (name: string, aggs: string) => `${lets.join('\n')}\n${union}\n| summarize ${name} = ${aggs}, first_seen = min(th_time), last_seen = max(th_time) by ${by}\n| where ${cond(name)}`;
    switch (c.ctype) {
      case 'event_count': return summarize('event_count', 'count()');
      case 'value_count': return summarize('value_count', 'dcount(th_value)');
      case 'temporal': return summarize('rule_count', 'dcount(th_rule), rules = make_set(th_rule)');
      case 'temporal_ordered': {
        // Chains of matches of rules[0], rules[1], ... in time order, the last within the timespan
        // of the first (a true sliding window, not bins), one row per first match.
        const n = inputs.length;
        if (!(c.condition.gte === n && Object.keys(c.condition).filter((k) => k !== 'field').length === 1))
          throw new ConversionError('temporal_ordered is supported with its default condition (every rule, in order)', 'correlation');
        const keys = groupCols.length ? groupCols : ['th_key'];
        const step = (i: number) => `th_m${i} | project ${[`t${i} = th_time`, ...(groupCols.length ? groupCols : ['th_key = 1'])].join(', ')}`;
        let q = `${step(0)}`;
        for (let i = 1; i < n; i++) {
          q += `\n| join kind=inner (${step(i)}) on ${keys.join(', ')}\n| where t${i} >= t${i - 1} and t${i} - t0 <= ${span}\n| project-away ${keys.map((k) => `${k}1`).join(', ')}`;
        }
        q += `\n| summarize last_seen = min(t${n - 1}) by first_seen = t0${groupCols.length ? ', ' + groupCols.join(', ') : ''}`;
        return `${lets.join('\n')}\n${q}`;
      }
      default: throw new ConversionError(`correlation type ${c.ctype} is not supported by the KQL backend`, 'correlation');
    }
  }
}

