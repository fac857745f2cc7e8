// SQL over tracehound's normalised event table (src/export/event-table.ts), in two dialects:
// DuckDB (default) and SQLite. Every predicate reads a field's values with json_each, so a
// multi-valued field matches when any value does and a missing field matches nothing, exactly as
// the in-process matcher does; case-insensitive comparisons lower-case both sides.
import type { CorrelationRule, Part, SigmaRule } from '../model.js';
import { CMP_OP, ConversionError, expandClasses, foldParts, inDialect, shapeOf, type Expr, type Pred, conditionExpr } from './ir.js';
import type { Backend, CorrelationInput } from './types.js';
import { loadMapping, type TargetMapping } from './mapping.js';
import { toRe2 } from '../regex-ast.js';
import { duckdbIpv6Hex, hexInNetwork, ipv4NetworkRegex } from './cidr.js';

export type SqlDialect = 'duckdb' | 'sqlite';

/** JavaScript's String.prototype.trim whitespace, as an RE2 class body. */
const JS_WS = '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

export function sqlString(s: string): string {
  if (s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in an SQL string literal', 'unsupported value');
  return `'${s.replace(/'/g, "''")}'`;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

function globEscape(s: string): string {
  return s.replace(/[*?[]/g, (c) => `[${c}]`);
}

/** A character whose case the matcher folds but SQLite's ASCII-only lower() and LIKE do not. */
function hasNonAsciiCase(s: string): boolean {
  for (const c of s) if (c.codePointAt(0)! > 0x7f && c.toLowerCase() !== c.toUpperCase()) return true;
  return false;
}

export class SqlBackend implements Backend {
  readonly target = 'sql' as const;
  readonly flavour: SqlDialect;
  readonly separator = '\n\n';
  private table: string;

  constructor(dialect: string = 'duckdb', mapping: TargetMapping = loadMapping('sql')) {
    if (dialect !== 'duckdb' && dialect !== 'sqlite') throw new Error(`--dialect must be duckdb or sqlite; got '${dialect}'`);
    this.flavour = dialect;
    this.table = String(mapping.settings['table'] ?? 'events');
  }

  comment(text: string): string { return text.split('\n').map((l) => `-- ${l}`).join('\n'); }

  private get duck(): boolean { return this.flavour === 'duckdb'; }

  private path(field: string): string {
    if (/["\\]/.test(field) || /[\u0000-\u001f]/.test(field)) throw new ConversionError(`field name '${field}' cannot be written as a JSON path`, 'unsupported field name');
    return sqlString(`$."${field}"`);
  }

  /** The values of a field as a DuckDB list of strings (a field holds a string, a list of strings or null). */
  private values(field: string): string {
    const p = this.path(field);
    return `CASE json_type(fields, ${p}) WHEN 'VARCHAR' THEN [json_extract_string(fields, ${p})] WHEN 'ARRAY' THEN CAST(json_extract(fields, ${p}) AS VARCHAR[]) ELSE [] END`;
  }

  /** True when some value of the field passes `test(v)` (field null: every string of the event, for keywords). */
  private exists(field: string | null, test: (v: string) => string): string {
    if (field !== null) {
      if (this.duck) return `len(list_filter(${this.values(field)}, lambda x: ${test('x')})) > 0`;
      return `EXISTS (SELECT 1 FROM json_each(fields, ${this.path(field)}) AS j WHERE ${test('j.value')})`;
    }
    if (this.duck) return `(EXISTS (SELECT 1 FROM json_tree(fields) AS j WHERE j.type = 'VARCHAR' AND ${test("(j.value ->> '$')")}) OR len(list_filter(CAST(nested_values AS VARCHAR[]), lambda x: ${test('x')})) > 0)`;
    return `(EXISTS (SELECT 1 FROM json_tree(fields) AS j WHERE j.type = 'text' AND ${test('j.value')}) OR EXISTS (SELECT 1 FROM json_each(nested_values) AS j WHERE ${test('j.value')}))`;
  }

  logsource(rule: SigmaRule): string {
    const ls = rule.logsource;
    const parts: string[] = [];
    if (ls.product !== undefined) parts.push(`product = ${sqlString(ls.product)}`);
    if (ls.service !== undefined) parts.push(`service = ${sqlString(ls.service)}`);
    if (ls.category !== undefined) parts.push(this.duck ? `contains(categories, ${sqlString(`,${ls.category},`)})` : `instr(categories, ${sqlString(`,${ls.category},`)}) > 0`);
    if (parts.length === 0) return 'TRUE';
    // An event that names no logsource at all meets every rule (as in tracehound's rule set).
    return `((product IS NULL AND service IS NULL AND categories IS NULL) OR (${parts.join(' AND ')}))`;
  }

  private strTest(parts: Part[], cased: boolean, v: string): string {
    const folded = foldParts(parts, cased);
    for (const p of folded) if (p.k === 'lit' && p.s.includes('\u0000')) throw new ConversionError('a NUL character cannot be written in an SQL string literal', 'unsupported value');
    if (!cased && !this.duck && folded.some((p) => (p.k === 'lit' && hasNonAsciiCase(p.s)) || (p.k === 'cls' && hasNonAsciiCase(p.chars))))
      throw new ConversionError("SQLite's lower() and LIKE fold ASCII letters only; this value has other letters compared without regard to case", 'case folding');
    const subject = cased ? v : `lower(${v})`;
    const sh = shapeOf(folded);
    if (sh.kind === 'any') return `${v} IS NOT NULL`;
    if (sh.kind === 'eq') return `${subject} = ${sqlString(sh.lit)}`;
    const alts = expandClasses(folded, 64);
    if (!alts) {
      if (!this.duck) throw new ConversionError('a value with many character classes (windash) needs a regex, which SQLite lacks', 'regex');
      const body = folded.map((p) => (p.k === 'lit' ? [...p.s].map(reLit).join('') : p.k === 'any' ? '.*' : p.k === 'one' ? '.' : `[${[...p.chars].map(reLit).join('')}]`)).join('');
      return `regexp_full_match(${subject}, ${sqlString('(?s)' + body)})`;
    }
    const one = (ps: Part[]): string => {
      const s2 = shapeOf(ps);
      if (s2.kind === 'eq') return `${subject} = ${sqlString(s2.lit)}`;
      if (cased && !this.duck) return `${v} GLOB ${sqlString(ps.map((p) => (p.k === 'lit' ? globEscape(p.s) : p.k === 'any' ? '*' : '?')).join(''))}`;
      return `${subject} LIKE ${sqlString(ps.map((p) => (p.k === 'lit' ? likeEscape(p.s) : p.k === 'any' ? '%' : '_')).join(''))} ESCAPE '\\'`;
    };
    return alts.length === 1 ? one(alts[0]!) : `(${alts.map(one).join(' OR ')})`;
  }

  /** A test on one value for a predicate (str, num, re, cidr, cmp), or null for whole-field predicates. */
  private valueTest(p: Pred): ((v: string) => string) | null {
    switch (p.t) {
      case 'str': {
        this.strTest(p.parts, p.cased, 'x');
        const f = (v: string) => this.strTest(p.parts, p.cased, v);
        // equality tests on one field are gathered into one IN list (see `or`)
        const sh = shapeOf(foldParts(p.parts, p.cased));
        if (sh.kind === 'eq') return Object.assign(f, { eq: { lit: sh.lit, cased: p.cased } });
        return f;
      }
      case 'num': {
        const numeric = p.forms.every((f) => /^[0-9.+-]*$/.test(f));
        const list = p.forms.map(sqlString).join(', ');
        return (v) => { const subject = numeric ? v : `lower(${v})`; return p.forms.length === 1 ? `${subject} = ${list}` : `${subject} IN (${list})`; };
      }
      case 're': {
        if (!this.duck) throw new ConversionError('SQLite has no regular expressions (REGEXP needs a user function)', 'regex');
        const re = inDialect(() => toRe2(p.re));
        return (v) => `regexp_matches(${v}, ${sqlString(re)})`;
      }
      case 'cidr': {
        if (!this.duck) throw new ConversionError('SQLite has no regular expressions to test an address against a network', 'cidr');
        // a dotted IPv4 address, or any IPv6 form (IPv4-mapped for an IPv4 network), as the matcher parses them
        const six = (v: string) => hexInNetwork(duckdbIpv6Hex(v, JS_WS), p.net);
        if (p.net.v6) return six;
        const body = ipv4NetworkRegex(p.net);
        return (v) => `(regexp_full_match(${v}, ${sqlString(`[${JS_WS}]*${body}[${JS_WS}]*`)}) OR ${six(v)})`;
      }
      case 'cmp': {
        if (!this.duck) throw new ConversionError('SQLite cannot tell exactly whether a text is a number', 'numeric comparison');
        const op = CMP_OP[p.op];
        return (v) => `TRY_CAST(regexp_extract(${v}, ${sqlString(`^[${JS_WS}]*([+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Infinity)[${JS_WS}]*$`)}, 1) AS DOUBLE) ${op} ${p.n}`;
      }
      default: return null;
    }
  }

  private pred(field: string | null, p: Pred): string {
    const test = this.valueTest(p);
    if (test !== null) return this.exists(field, test);
    if (field === null) return 'FALSE';
    switch (p.t) {
      case 'exists': return `json_type(fields, ${this.path(field)}) IS NOT NULL`;
      case 'null': {
        const t = `json_type(fields, ${this.path(field)})`;
        return `(${t} IS NULL OR ${t} = ${this.duck ? "'NULL'" : "'null'"})`;
      }
      case 'fieldref': {
        const a = this.duck ? 'a' : 'a.value', b = this.duck ? 'b' : 'b.value';
        const A = p.cased ? a : `lower(${a})`, B = p.cased ? b : `lower(${b})`;
        const rel = p.mode === 'eq' ? `${A} = ${B}`
          : p.mode === 'contains' ? (this.duck ? `contains(${A}, ${B})` : `instr(${A}, ${B}) > 0`)
          : p.mode === 'startswith' ? (this.duck ? `starts_with(${A}, ${B})` : `substr(${A}, 1, length(${B})) = ${B}`)
          : (this.duck ? `ends_with(${A}, ${B})` : `(length(${B}) = 0 OR substr(${A}, -length(${B})) = ${B})`);
        if (!p.cased && !this.duck) throw new ConversionError("SQLite's lower() folds ASCII letters only; a field comparison without regard to case cannot be exact", 'case folding');
        if (this.duck) return `len(list_filter(${this.values(field)}, lambda a: len(list_filter(${this.values(p.other)}, lambda b: ${rel})) > 0)) > 0`;
        return `EXISTS (SELECT 1 FROM json_each(fields, ${this.path(field)}) AS a, json_each(fields, ${this.path(p.other)}) AS b WHERE ${a} IS NOT NULL AND ${b} IS NOT NULL AND ${rel})`;
      }
      case 'datepart': throw new ConversionError('date-part modifiers (|hour, |day, ...) are not supported by the SQL backend', 'date part');
      default: throw new ConversionError(`unsupported predicate ${p.t}`);
    }
  }

  expr(e: Expr): string {
    switch (e.k) {
      case 'const': return e.v ? 'TRUE' : 'FALSE';
      case 'not': return `NOT ${this.wrap(e.item)}`;
      case 'and': return e.items.map((x) => this.wrap(x)).join(' AND ');
      case 'or': {
        // Predicates on one field share one EXISTS (any value matching any of them).
        const out: string[] = [];
        const byField = new Map<string, ((v: string) => string)[]>();
        for (const x of e.items) {
          if (x.k === 'pred' && x.field !== null) {
            const t = this.valueTest(x.pred);
            if (t !== null) {
              let l = byField.get(x.field);
              if (!l) { byField.set(x.field, (l = [])); out.push(`\u0000${x.field}`); }
              l.push(t);
              continue;
            }
          }
          out.push(this.wrap(x));
        }
        const printed = out.map((s) => {
          if (!s.startsWith('\u0000')) return s;
          const f = s.slice(1), tests = byField.get(f)!;
          if (tests.length === 1) return this.exists(f, tests[0]!);
          return this.exists(f, (v) => {
            const parts: string[] = [];
            const eqs = new Map<boolean, string[]>();
            for (const t of tests) {
              const eq = (t as { eq?: { lit: string; cased: boolean } }).eq;
              if (eq) { let l = eqs.get(eq.cased); if (!l) eqs.set(eq.cased, (l = [])); l.push(sqlString(eq.lit)); } else parts.push(t(v));
            }
            for (const [cased, lits] of eqs) parts.unshift(lits.length === 1 ? `${cased ? v : `lower(${v})`} = ${lits[0]}` : `${cased ? v : `lower(${v})`} IN (${lits.join(', ')})`);
            return balancedOr(parts);
          });
        });
        return printed.length > 32 ? balancedOr(printed).slice(1, -1) : printed.join(' OR ');
      }
      case 'pred': return this.pred(e.field, e.pred);
    }
  }

  private wrap(e: Expr): string {
    const s = this.expr(e);
    return e.k === 'and' || e.k === 'or' ? `(${s})` : s;
  }

  rule(rule: SigmaRule, e: Expr): string {
    return `SELECT * FROM ${this.table}\nWHERE ${this.logsource(rule)}\n  AND ${this.wrap(e)}`;
  }

  private groupExpr(field: string): string {
    // The first string value of the field (the correlation engine groups by it).
    if (this.duck) return `(${this.values(field)})[1]`;
    return `(SELECT j.value FROM json_each(fields, ${this.path(field)}) AS j WHERE j.value IS NOT NULL LIMIT 1)`;
  }

  correlation(c: CorrelationRule, inputs: CorrelationInput[]): string {
    const span = c.timespan;
    const alias = (g: string, ref: string) => c.aliases[g]?.[ref] ?? g;
    const groupCols = c.groupBy.map((g, i) => ({ g, col: `g${i}` }));
    const vf = c.condition.field?.[0];
    const parts = inputs.map((inp, pos) => {
      const cols = [`${sqlString(inp.ref)} AS rule_ref`, `${pos} AS pos`, 'event_id', 'time_ms',
        // group-by values compare case-insensitively, as in the correlator
        ...groupCols.map(({ g, col }) => `lower(${this.groupExpr(alias(g, inp.ref))}) AS ${col}`),
        ...(vf ? [`${this.groupExpr(alias(vf, inp.ref))} AS val`] : [])];
      return `  SELECT ${cols.join(', ')}\n  FROM ${this.table}\n  WHERE time_ms IS NOT NULL AND ${this.logsource(inp.rule)}\n    AND ${this.wrap(inp.expr)}`;
    });
    const partition = groupCols.length ? `PARTITION BY ${groupCols.map((x) => x.col).join(', ')} ` : '';
    const win = `(${partition}ORDER BY time_ms RANGE BETWEEN CURRENT ROW AND ${span} FOLLOWING)`;
    const cond = (x: string) => conditionExpr(c.condition, x, { eq: '=', neq: '<>', and: ' AND ', none: 'TRUE', spaced: true });
    const gsel = groupCols.map((x) => `${x.col} AS ${JSON.stringify(x.g)}`).join(', ');
    const head = `WITH matches AS (\n${parts.join('\n  UNION ALL\n')}\n)`;
    switch (c.ctype) {
      case 'event_count': case 'value_count': case 'temporal': {
        if (c.ctype !== 'event_count' && !this.duck) throw new ConversionError('SQLite has no COUNT(DISTINCT ...) over a window', 'correlation');
        const agg = c.ctype === 'event_count' ? 'COUNT(*)' : c.ctype === 'value_count' ? 'COUNT(DISTINCT val)' : 'COUNT(DISTINCT rule_ref)';
        return `${head},\nwindows AS (\n  SELECT *, ${agg} OVER ${win} AS value,\n    MAX(time_ms) OVER ${win} AS window_end\n  FROM matches\n)\nSELECT time_ms AS window_start, window_end${gsel ? ', ' + gsel : ''}, value\nFROM windows\nWHERE ${cond('value')}\nORDER BY window_start`;
      }
      case 'temporal_ordered': {
        // One row per chain of matches of rules[0], rules[1], ... in time order within the timespan.
        const n = inputs.length;
        const sel = Array.from({ length: n }, (_, i) => `m${i}`);
        const joins = sel.slice(1).map((m, i) => {
          const prev = sel[i]!;
          const same = groupCols.map((x) => `${m}.${x.col} IS NOT DISTINCT FROM m0.${x.col}`);
          return `JOIN matches AS ${m} ON ${m}.pos = ${i + 1} AND ${m}.time_ms >= ${prev}.time_ms AND ${m}.time_ms <= m0.time_ms + ${span}${same.length ? ' AND ' + same.join(' AND ') : ''}`;
        });
        if (!(c.condition.gte === n && Object.keys(c.condition).filter((k) => k !== 'field').length === 1))
          throw new ConversionError('temporal_ordered is supported with its default condition (every rule, in order)', 'correlation');
        return `${head}\nSELECT m0.time_ms AS window_start, MAX(m${n - 1}.time_ms) AS window_end${groupCols.map((x) => `, m0.${x.col} AS ${JSON.stringify(x.g)}`).join('')}\nFROM matches AS m0\n${joins.join('\n')}\nWHERE m0.pos = 0\nGROUP BY m0.time_ms${groupCols.map((x) => `, m0.${x.col}`).join('')}\nORDER BY window_start`;
      }
      default: throw new ConversionError(`correlation type ${c.ctype} is not supported by the SQL backend`, 'correlation');
    }
  }
}

/** `a OR b OR ...` nested in groups, so long lists stay within SQLite's expression depth limit. */
function balancedOr(parts: string[]): string {
  if (parts.length === 1) return parts[0]!;
  if (parts.length <= 32) return `(${parts.join(' OR ')})`;
  const chunks: string[] = [];
  for (let i = 0; i < parts.length; i += 32) chunks.push(balancedOr(parts.slice(i, i + 32)));
  return balancedOr(chunks);
}

function reLit(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20 || code > 0x7e) return `\\x{${code.toString(16).toUpperCase()}}`;
  return /[\\^$.|?*+()[\]{}\/-]/.test(c) ? '\\' + c : c;
}
