// YAML documents as a small positioned tree, so every validation error can name file:line:col.
import { Composer, Lexer, LineCounter, Parser, isAlias, isMap, isScalar, isSeq, type CST, type Node as YamlNode, type Document } from 'yaml';

export interface Pos { line: number; col: number }

export type YNode = YMap | YSeq | YScalar;
export interface YMap { kind: 'map'; pos: Pos; entries: YEntry[] }
export interface YEntry { key: string; keyPos: Pos; value: YNode }
export interface YSeq { kind: 'seq'; pos: Pos; items: YNode[] }
export interface YScalar {
  kind: 'scalar';
  pos: Pos;
  value: string | number | boolean | null;
  /** Source text of a plain (unquoted) scalar, so `1.0` or `0x17` keep their written form. */
  source?: string;
}

export interface YDoc {
  root: YNode | null;
  pos: Pos;
  errors: { message: string; pos: Pos }[];
  /** The top-level `id`, read even when the document has errors, so they can name the rule. */
  id?: string;
}

/** Bound on nodes built from one document, so alias chains ("billion laughs") cannot explode. */
export const MAX_NODES = 200_000;

export function parseYamlDocuments(text: string): YDoc[] {
  const lc = new LineCounter();
  const at = (offset: number | undefined): Pos => lc.linePos(offset ?? 0);
  const tokens = shallowTokens(text, lc);
  if (!Array.isArray(tokens)) {
    const pos = textPos(text, tokens.offset);
    return [{ root: null, pos, errors: [{ message: `YAML nesting deeper than ${MAX_DEPTH} levels; the rest of the file is not read`, pos }] }];
  }
  const list = Array.from(new Composer({ uniqueKeys: true }).compose(tokens));
  const out: YDoc[] = [];
  for (const doc of list) {
    const errors = doc.errors.map((e) => ({ message: firstLine(e.message), pos: at(e.pos[0]) }));
    let root: YNode | null = null;
    if (errors.length === 0 && doc.contents) {
      try {
        root = convert(doc.contents as YamlNode, doc, at, 0, { left: MAX_NODES, aliases: new Map() });
      } catch (e) {
        errors.push({ message: (e as Error).message, pos: at(doc.contents.range?.[0]) });
      }
    }
    const yd: YDoc = { root, pos: at(doc.range?.[0]), errors };
    const idNode = isMap(doc.contents) ? doc.contents.get('id', true) : undefined;
    if (isScalar(idNode) && typeof idNode.value === 'string') yd.id = idNode.value;
    out.push(yd);
  }
  return out;
}

/**
 * The file's syntax tokens, read with the YAML parser's own stack watched: the composer (and the
 * parser's time) grow with nesting, so a file nested deeper than the rules' limit is stopped at the
 * offset where it gets too deep.
 */
function shallowTokens(text: string, lc: LineCounter): CST.Token[] | { offset: number } {
  const parser = new Parser(lc.addNewLine);
  const out: CST.Token[] = [];
  lc.addNewLine(0); // as Parser.parse does
  let offset = 0;
  for (const lexeme of new Lexer().lex(text)) {
    for (const t of parser.next(lexeme)) out.push(t);
    if (parser.stack.length > MAX_DEPTH + 2) return { offset };
    offset += lexeme.length;
  }
  for (const t of parser.end()) out.push(t);
  return out;
}

function textPos(text: string, offset: number): Pos {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

const MAX_DEPTH = 64;

/** Nodes left to build, and each alias's target (resolving an alias searches the whole document). */
interface Budget { left: number; aliases: Map<YamlNode, YamlNode | undefined> }

function convert(node: YamlNode, doc: Document, at: (o: number | undefined) => Pos, depth: number, budget: Budget): YNode {
  if (depth > MAX_DEPTH) throw new Error(`YAML nesting deeper than ${MAX_DEPTH}`);
  if (--budget.left < 0) throw new Error(`document expands to more than ${MAX_NODES} nodes (alias expansion?)`);
  if (isAlias(node)) {
    if (!budget.aliases.has(node)) budget.aliases.set(node, node.resolve(doc) as YamlNode | undefined);
    const target = budget.aliases.get(node);
    if (!target) throw new Error(`unresolved alias *${node.source}`);
    return convert(target as YamlNode, doc, at, depth + 1, budget);
  }
  const pos = at(node.range?.[0]);
  if (isMap(node)) {
    const entries: YEntry[] = [];
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      let key: string;
      let keyPos = pos;
      if (k && isScalar(k)) {
        key = k.value === null ? '' : String(k.value);
        keyPos = at(k.range?.[0]);
      } else if (k === null) {
        key = '';
      } else {
        throw new Error('map keys must be plain values');
      }
      const v = pair.value as YamlNode | null;
      entries.push({ key, keyPos, value: v ? convert(v, doc, at, depth + 1, budget) : { kind: 'scalar', pos: keyPos, value: null } });
    }
    return { kind: 'map', pos, entries };
  }
  if (isSeq(node)) {
    return {
      kind: 'seq',
      pos,
      items: node.items.map((it) => (it ? convert(it as YamlNode, doc, at, depth + 1, budget) : { kind: 'scalar', pos, value: null } as YScalar)),
    };
  }
  if (isScalar(node)) {
    const v = node.value;
    let value: YScalar['value'];
    if (v === null || v === undefined) value = null;
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') value = v;
    else if (typeof v === 'bigint') value = Number(v);
    else value = String(v);
    const s: YScalar = { kind: 'scalar', pos, value };
    if (node.type === 'PLAIN' && typeof node.source === 'string') s.source = node.source;
    return s;
  }
  throw new Error('unsupported YAML node');
}

export function mapGet(m: YMap, key: string): YEntry | undefined {
  return m.entries.find((e) => e.key === key);
}

/** The JS value of a node (for metadata fields). */
export function toPlain(n: YNode): unknown {
  switch (n.kind) {
    case 'scalar': return n.value;
    case 'seq': return n.items.map(toPlain);
    case 'map': {
      const o: Record<string, unknown> = {};
      for (const e of n.entries) o[e.key] = toPlain(e.value);
      return o;
    }
  }
}
