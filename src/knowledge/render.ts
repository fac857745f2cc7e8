// The technique page: tracehound's own content merged with the official ATT&CK fields of the local
// store, rendered as plain text for the terminal, as Markdown, or as JSON.
//
// Everything that comes from an imported bundle is untrusted: in text output control characters,
// escape sequences and bidirectional overrides are made visible (report/text.ts `visible`); in
// Markdown output they are made visible too and every Markdown-active character is escaped, so a
// bundle cannot add links, images, HTML, headings or tables to the page. The one link in the
// Markdown output is the technique's ATT&CK page, which tracehound builds from the checked id.
import type { AttackDataComponent, AttackTechnique } from './attack-import.js';
import type { AttackStore, StoreInfo } from './attack-store.js';
import { PHASES, PHASE_TITLES, techniqueContent, type FullContent, type OverviewContent, type TechniqueContent } from './content.js';
import { visible } from '../report/text.js';

export interface TechniquePage {
  id: string;
  name: string;
  own: TechniqueContent | null;
  official: AttackTechnique | null;
  /** names of the parent and sub-techniques, from the store or tracehound's content */
  related: Record<string, string>;
  data_components: Record<string, AttackDataComponent>;
  store: StoreInfo | null;
  notes: string[];
  /** the bundled rules' queries for one SIEM target (added by the caller: `technique --queries`) */
  queries?: { target: string; rules: { rule_id: string | null; title: string; query?: string; error?: string }[] };
}

/** Builds the page; null when neither tracehound nor the store knows the id. */
export function techniquePage(id: string, store: AttackStore | null, own: TechniqueContent | null = techniqueContent(id)): TechniquePage | null {
  const official = store?.technique(id) ?? null;
  if (!own && !official) return null;
  const notes: string[] = [];
  if (!own) notes.push(`tracehound has no own content for ${id}: this page shows the official ATT&CK fields only (tracehound covers T1505.002 in depth).`);
  if (!store) notes.push("No ATT&CK data is imported, so the official ATT&CK fields are not shown; add them with 'tracehound attack import FILE' (an ATT&CK STIX bundle).");
  else if (!official) notes.push(`The imported ATT&CK data (${store.info.file}) has no ${id}.`);
  if (official?.revoked) notes.push(`ATT&CK has revoked ${id}${official.revoked_by ? `; it was replaced by ${official.revoked_by}` : ''}.`);
  else if (official?.deprecated) notes.push(`ATT&CK has deprecated ${id}.`);

  const related: Record<string, string> = {};
  const nameOf = (tid: string): string | null => store?.technique(tid)?.name ?? (techniqueContent(tid)?.name ?? null);
  const parent = official?.parent ?? (own?.kind === 'full' ? own.parent : null) ?? (id.includes('.') ? id.split('.')[0]! : null);
  if (parent) { const n = nameOf(parent); if (n) related[parent] = n; }
  for (const s of official?.subtechniques ?? []) { const n = nameOf(s); if (n) related[s] = n; }
  if (own?.kind === 'overview') for (const s of own.sub_techniques) related[s.id] ??= s.name;

  const dcs: Record<string, AttackDataComponent> = {};
  for (const d of official?.data_components ?? []) { const c = store?.dataComponent(d); if (c) dcs[d] = c; }
  return { id, name: official?.name || own?.name || id, own, official, related, data_components: dcs, store: store?.info ?? null, notes };
}

// ---- a small document model shared by the text and Markdown renderers ---------------------------

/** A run of text; `code` marks literal code (Markdown code span). */
interface Seg { s: string; code?: boolean }
type Rich = Seg[];

type Block =
  | { t: 'h'; level: 1 | 2 | 3; text: Rich }
  | { t: 'p'; text: Rich; indent?: number }
  | { t: 'list'; items: Rich[]; indent?: number }
  | { t: 'kv'; key: string; value: Rich }
  | { t: 'table'; head: string[]; widths: number[]; rows: Rich[][] }
  | { t: 'code'; lines: string[]; lang: string };

const plain = (s: string): Rich => [{ s }];
const cat = (...parts: (Rich | string)[]): Rich => parts.flatMap((p) => (typeof p === 'string' ? [{ s: p }] : p));

/** ATT&CK description markup -> rich text: citations become [n], Markdown links their text, <code> code. */
function attackText(s: string, cite: (source: string) => string): Rich {
  let t = s.replace(/\(Citation: ([^)]*)\)/g, (_, n: string) => `[${cite(n.trim())}]`);
  t = t.replace(/\[([^\]\n]*)\]\((?:https?:\/\/[^)\s]*)\)/g, '$1');
  const out: Rich = [];
  let last = 0;
  for (const m of t.matchAll(/<code>([\s\S]*?)<\/code>/g)) {
    if (m.index! > last) out.push({ s: t.slice(last, m.index) });
    out.push({ s: m[1]!, code: true });
    last = m.index! + m[0].length;
  }
  if (last < t.length) out.push({ s: t.slice(last) });
  return out.length ? out : [{ s: '' }];
}

const ATTACK = 'https://attack.mitre.org';

/** A link target for an ATT&CK id tracehound recognises, or null. */
function attackUrl(id: string): string | null {
  let m: RegExpMatchArray | null;
  if ((m = id.match(/^T(\d{4})(?:\.(\d{3}))?$/))) return `${ATTACK}/techniques/T${m[1]}${m[2] ? `/${m[2]}` : ''}/`;
  if (/^M\d{4}$/.test(id)) return `${ATTACK}/mitigations/${id}/`;
  if (/^S\d{4}$/.test(id)) return `${ATTACK}/software/${id}/`;
  if (/^G\d{4}$/.test(id)) return `${ATTACK}/groups/${id}/`;
  if (/^C\d{4}$/.test(id)) return `${ATTACK}/campaigns/${id}/`;
  if (/^DET\d{4}$/.test(id)) return `${ATTACK}/detectionstrategies/${id}/`;
  if (/^DC\d{4}$/.test(id)) return `${ATTACK}/datacomponents/${id}/`;
  return null;
}

const DEFAULT_LABEL = { yes: 'yes', no: 'no', partial: 'partly' } as const;

function document(page: TechniquePage): Block[] {
  const { own, official: off } = page;
  const b: Block[] = [];
  const refIndex = new Map<string, number>();
  (off?.references ?? []).forEach((r, i) => refIndex.set(r.source, i + 1));
  const cite = (n: string) => (refIndex.has(n) ? String(refIndex.get(n)) : n);
  const at = (s: string) => attackText(s, cite);
  const full = own?.kind === 'full' ? (own as FullContent) : null;
  const overview = own?.kind === 'overview' ? (own as OverviewContent) : null;

  // header
  b.push({ t: 'h', level: 1, text: plain(`${page.id}  ${page.name}`) });
  const parent = off?.parent ?? full?.parent ?? null;
  const facts: Rich[] = [];
  if (parent) facts.push(plain(`Sub-technique of ${parent}${page.related[parent] ? ` ${page.related[parent]}` : ''}`));
  const tactics = off?.tactics.length ? off.tactics : own?.tactics ?? [];
  if (tactics.length) facts.push(plain(`Tactic${tactics.length > 1 ? 's' : ''}: ${tactics.join(', ')}`));
  const platforms = off?.platforms.length ? off.platforms : full ? full.platforms.map((p) => p.name) : overview?.platforms ?? [];
  if (platforms.length) facts.push(plain(`Platforms: ${platforms.join(', ')}`));
  if (off) facts.push(plain(`ATT&CK object version ${off.version ?? '?'}, created ${day(off.created)}, modified ${day(off.modified)}`));
  const url = attackUrl(page.id);
  if (url) facts.push(plain(`ATT&CK page: ${url}`));
  b.push({ t: 'list', items: facts });
  if (page.notes.length) b.push({ t: 'list', items: page.notes.map((n) => plain(`Note: ${n}`)) });

  // descriptions
  if (own) {
    b.push({ t: 'h', level: 2, text: plain('Summary (tracehound)') });
    b.push({ t: 'p', text: plain(own.summary) });
  }
  if (off?.description) {
    b.push({ t: 'h', level: 2, text: plain('Description (MITRE ATT&CK)') });
    b.push({ t: 'p', text: at(off.description) });
  }

  if (full) {
    b.push({ t: 'h', level: 2, text: plain('Why attackers use it') });
    b.push({ t: 'list', items: full.why.map(plain) });
    b.push({ t: 'h', level: 2, text: plain('How it works') });
    for (const h of full.how_it_works) {
      b.push({ t: 'h', level: 3, text: plain(h.title + srcTags(h.sources)) });
      b.push({ t: 'p', text: plain(h.text), indent: 1 });
    }
  }

  // sub-techniques
  const subIds = [...new Set([...(overview?.sub_techniques.map((s) => s.id) ?? []), ...(off?.subtechniques ?? [])])];
  if (subIds.length) {
    b.push({ t: 'h', level: 2, text: plain('Sub-techniques') });
    for (const s of subIds) {
      const ours = overview?.sub_techniques.find((x) => x.id === s);
      b.push({ t: 'h', level: 3, text: plain(`${s}  ${page.related[s] ?? ours?.name ?? ''}`.trimEnd()) });
      if (ours) b.push({ t: 'p', text: plain(ours.summary), indent: 1 });
    }
  }

  // procedures
  if (full || off?.procedures.length) b.push({ t: 'h', level: 2, text: plain('Procedure examples') });
  if (full) {
    for (const p of full.procedures) {
      b.push({ t: 'h', level: 3, text: plain(`${p.name}${p.attack_id ? ` [${p.attack_id}]` : ''} (${p.kind})${srcTags(p.sources)}`) });
      b.push({ t: 'p', text: plain(p.text), indent: 1 });
    }
  }
  if (off?.procedures.length) {
    b.push({ t: 'h', level: 3, text: plain(`In ATT&CK (${off.procedures.length})`) });
    b.push({ t: 'list', items: off.procedures.map((p) => cat(`${p.id} ${p.name} (${procType(p.type)}): `, at(p.description))), indent: 1 });
  }

  if (full) {
    b.push({ t: 'h', level: 2, text: plain('Platforms and permissions') });
    b.push({ t: 'h', level: 3, text: plain('Platforms') });
    b.push({ t: 'list', items: full.platforms.map((p) => plain(`${p.name}: ${p.text}`)), indent: 1 });
    b.push({ t: 'h', level: 3, text: plain('Permissions') });
    b.push({ t: 'list', items: full.permissions.map(plain), indent: 1 });

    b.push({ t: 'h', level: 2, text: plain('Telemetry') });
    b.push({
      t: 'table', head: ['Source', 'Event id / table', 'On by default?', 'What it indicates'], widths: [24, 14, 9, 0],
      rows: full.telemetry.map((r) => [plain(r.source), plain(r.event), plain(DEFAULT_LABEL[r.default]), plain(r.indicates + (r.note ? ` Note: ${r.note}` : ''))]),
    });
  }

  // detection
  const legacy = !!(off && (off.detection || off.data_sources.length || off.legacy_detections.length));
  if (full || off?.detection_strategies.length || legacy) b.push({ t: 'h', level: 2, text: plain('Detection') });
  if (full) {
    for (const d of full.detection) {
      b.push({ t: 'h', level: 3, text: plain(d.title + srcTags(d.sources)) });
      b.push({ t: 'p', text: plain(d.text), indent: 1 });
    }
  }
  for (const s of off?.detection_strategies ?? []) {
    b.push({ t: 'h', level: 3, text: cat(`ATT&CK detection strategy ${s.id}: `, at(s.name)) });
    for (const a of s.analytics) {
      b.push({ t: 'p', text: cat(`${a.id}${a.platforms.length ? ` (${a.platforms.join(', ')})` : ''}: `, at(a.description)), indent: 1 });
      const items = a.log_sources.map((l) => {
        const dc = l.data_component ? page.data_components[l.data_component] : undefined;
        return cat(`log source ${l.name}: ${l.channel}`, l.data_component ? ` (data component ${l.data_component}${dc ? ` ${dc.name}` : ''})` : '');
      });
      for (const m of a.mutable_elements) items.push(cat(`tunable ${m.field}: `, at(m.description)));
      if (items.length) b.push({ t: 'list', items, indent: 2 });
    }
  }
  if (off && off.data_components.length) {
    b.push({ t: 'h', level: 3, text: plain('ATT&CK data components') });
    // names only: the components' generic descriptions are in the JSON output
    b.push({ t: 'list', items: off.data_components.map((d) => { const c = page.data_components[d]; return plain(`${d} ${c?.name ?? ''}${c?.data_source ? ` (data source ${c.data_source})` : ''}`.trimEnd()); }), indent: 1 });
  }
  if (off?.detection) {
    b.push({ t: 'h', level: 3, text: plain('ATT&CK detection notes (pre-v18)') });
    b.push({ t: 'p', text: at(off.detection), indent: 1 });
  }
  if (off?.data_sources.length) b.push({ t: 'kv', key: 'ATT&CK data sources (pre-v18)', value: plain(off.data_sources.join('; ')) });
  for (const l of off?.legacy_detections ?? []) {
    const c = page.data_components[l.data_component];
    b.push({ t: 'p', text: cat(`${l.data_component}${c ? ` ${c.name}` : ''}: `, at(l.description)), indent: 1 });
  }

  // mitigations
  if (full || off?.mitigations.length) b.push({ t: 'h', level: 2, text: plain('Mitigations') });
  const offM = new Map((off?.mitigations ?? []).map((m) => [m.id, m] as const));
  for (const m of full?.mitigations ?? []) {
    const o = offM.get(m.id);
    b.push({ t: 'h', level: 3, text: plain(`${m.id} ${m.name}${off ? (o ? '  (linked to this technique in ATT&CK)' : '  (tracehound addition)') : ''}`) });
    b.push({ t: 'list', items: m.steps.map(plain), indent: 1 });
    if (o?.description) b.push({ t: 'p', text: cat('ATT&CK: ', at(o.description)), indent: 1 });
  }
  const extra = (off?.mitigations ?? []).filter((m) => !full?.mitigations.some((x) => x.id === m.id));
  if (extra.length) {
    if (full) b.push({ t: 'h', level: 3, text: plain('Other ATT&CK mitigations') });
    b.push({ t: 'list', items: extra.map((m) => cat(`${m.id} ${m.name}: `, at(m.description))), indent: 1 });
  }

  if (full) {
    b.push({ t: 'h', level: 2, text: plain('False positives') });
    b.push({ t: 'list', items: full.false_positives.map(plain) });

    const pb = full.playbook;
    b.push({ t: 'h', level: 2, text: plain('Playbook') });
    b.push({ t: 'h', level: 3, text: plain('Log sources') });
    b.push({ t: 'list', items: pb.log_sources.map(plain), indent: 1 });
    b.push({ t: 'h', level: 3, text: plain('Key indicators') });
    b.push({ t: 'list', items: pb.key_indicators.map(plain), indent: 1 });
    b.push({ t: 'h', level: 3, text: plain('Questions for the analysis') });
    b.push({ t: 'list', items: pb.questions.map(plain), indent: 1 });
    b.push({ t: 'h', level: 3, text: plain('Escalate when') });
    b.push({ t: 'list', items: pb.escalation.map(plain), indent: 1 });
    for (const phase of PHASES) {
      const steps = pb.steps.filter((s) => s.phase === phase);
      if (!steps.length) continue;
      b.push({ t: 'h', level: 3, text: plain(PHASE_TITLES[phase]) });
      for (const s of steps) {
        b.push({ t: 'p', text: plain(`[${s.id}] ${s.title}`), indent: 1 });
        b.push({ t: 'p', text: plain(s.text), indent: 2 });
        if (s.commands.length) b.push({ t: 'code', lines: s.commands, lang: 'powershell' });
      }
    }
  }

  if (page.queries) {
    b.push({ t: 'h', level: 2, text: plain(`Detection queries (${page.queries.target}, from tracehound's rules)`) });
    for (const q of page.queries.rules) {
      b.push({ t: 'h', level: 3, text: plain(`${q.title}${q.rule_id ? `  [${q.rule_id}]` : ''}`) });
      if (q.query !== undefined) b.push({ t: 'code', lines: q.query.split('\n'), lang: page.queries.target });
      else b.push({ t: 'p', text: plain(`Not expressible in ${page.queries.target}: ${q.error ?? 'unknown reason'}`), indent: 1 });
    }
  }

  // references
  if (full?.references.length || off?.references.length) b.push({ t: 'h', level: 2, text: plain('References') });
  if (full) b.push({ t: 'list', items: full.references.map((r) => plain(`${r.tag} ${r.title}${r.url ? ` ${r.url}` : ''}`)) });
  if (off?.references.length) {
    if (full) b.push({ t: 'h', level: 3, text: plain('Cited by ATT&CK') });
    b.push({ t: 'list', items: off.references.map((r, i) => plain(`[${i + 1}] ${r.source}${r.description ? `. ${r.description}` : ''}${r.url ? ` ${r.url}` : ''}`)) });
  }

  if (page.store && off) {
    const s = page.store;
    const version = s.attack_version ? `ATT&CK ${s.attack_version}` : `ATT&CK data (release not stated in the bundle; newest object ${day(s.newest_modified)})`;
    b.push({ t: 'h', level: 2, text: plain('Source of the ATT&CK fields') });
    b.push({ t: 'p', text: plain(`${version}, imported ${s.imported_at} from ${s.source} into ${s.file}.${s.copyright ? ` ${s.copyright}` : ''}`) });
  }
  return b;
}

function srcTags(s: string[]): string {
  return s.length ? `  (${s.join(', ')})` : '';
}

function procType(t: string): string {
  return t === 'intrusion-set' ? 'group' : t;
}

function day(s: string | null | undefined): string {
  return s ? s.slice(0, 10) : '?';
}

// ---- plain text --------------------------------------------------------------------------------

/** Splits text into lines, each made safe for a terminal. */
function safeLines(s: string): string[] {
  return s.replace(/\r\n?/g, '\n').split('\n').map((l) => visible(l));
}

function flat(r: Rich): string {
  return r.map((x) => x.s).join('');
}

/** Word-wraps one paragraph (already without newlines) to `width`, with a first-line and a hanging prefix. */
function wrapLine(text: string, width: number, first: string, rest: string): string[] {
  const words = text.split(/ +/).filter((w) => w !== '');
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    const prefixLen = out.length === 0 ? first.length : rest.length;
    if (!empty && line.length + 1 + w.length > width && line.length > prefixLen) {
      out.push(line);
      line = rest + w;
    } else line += (empty ? '' : ' ') + w;
    empty = false;
  }
  out.push(line);
  return out.map((l) => l.trimEnd());
}

function wrapText(s: string, width: number, first: string, rest = first): string[] {
  const out: string[] = [];
  const lines = safeLines(s);
  lines.forEach((l, i) => {
    if (l.trim() === '') { if (out.length && out[out.length - 1] !== '') out.push(''); return; }
    out.push(...wrapLine(l.trim(), width, i === 0 || out.length === 0 ? first : rest, rest));
  });
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

function wrapCell(s: string, w: number): string[] {
  if (w <= 0) return [s];
  const out: string[] = [];
  for (const l of wrapText(s, w, '', '')) {
    if (l.length <= w) { out.push(l); continue; }
    for (let i = 0; i < l.length; i += w) out.push(l.slice(i, i + w));
  }
  return out.length ? out : [''];
}

export function renderText(page: TechniquePage, width = 100): string {
  const W = Math.max(60, Math.min(width, 160));
  const out: string[] = [];
  const pad = (n: number) => '  '.repeat(n);
  for (const blk of document(page)) {
    switch (blk.t) {
      case 'h': {
        const t = safeLines(flat(blk.text)).join(' ');
        if (blk.level === 1) { out.push(t, '='.repeat(Math.min(W, t.length))); }
        else if (blk.level === 2) { out.push('', t.toUpperCase(), '-'.repeat(Math.min(W, t.length))); }
        else out.push('', ...(t.length <= W ? [t] : wrapLine(t, W, '', '  ')));
        break;
      }
      case 'p': out.push(...wrapText(flat(blk.text), W, pad(blk.indent ?? 0))); break;
      case 'list':
        for (const it of blk.items) out.push(...wrapText(flat(it), W, `${pad(blk.indent ?? 0)}- `, `${pad(blk.indent ?? 0)}  `));
        break;
      case 'kv': out.push(...wrapText(`${blk.key}: ${flat(blk.value)}`, W, '', '  ')); break;
      case 'table': {
        const fixed = blk.widths.slice(0, -1).reduce((a, x) => a + x + 2, 0);
        const widths = blk.widths.map((w, i) => (i === blk.widths.length - 1 ? Math.max(20, W - fixed) : w));
        const line = (cells: string[][]) => {
          const h = Math.max(...cells.map((c) => c.length));
          for (let r = 0; r < h; r++) out.push(cells.map((c, i) => (i === cells.length - 1 ? c[r] ?? '' : (c[r] ?? '').padEnd(widths[i]!))).join('  ').trimEnd());
        };
        line(blk.head.map((h, i) => wrapCell(h.toUpperCase(), widths[i]!)));
        for (const row of blk.rows) { out.push(''); line(row.map((c, i) => wrapCell(flat(c), widths[i]!))); }
        break;
      }
      case 'code': for (const l of blk.lines) out.push(...safeLines(l).map((x) => `      ${blk.lang === 'powershell' ? 'PS> ' : ''}${x}`)); break;
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

// ---- Markdown ----------------------------------------------------------------------------------

/** Escapes one line of text for Markdown: every character that could start markup is escaped. */
function mdEscape(line: string, lineStart = true): string {
  const s = visible(line).replace(/[\\`*_[\]<>|~&#]/g, (c) => `\\${c}`);
  if (!lineStart) return s;
  // what is only markup at the start of a line: list markers, block quotes, setext underlines, and
  // indentation (an indented line would become a code block)
  return s.replace(/^\s+/, '').replace(/^([-+=>])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

function mdCode(s: string): string {
  const line = visible(s);
  const longest = Math.max(0, ...[...line.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = line.startsWith('`') || line.endsWith('`') || line.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${line}${pad}${fence}`;
}

/** Rich text -> Markdown lines (newlines in the source become hard breaks, blank lines paragraphs). */
function mdRich(r: Rich): string[] {
  const paras: string[][] = [[]];
  let cur = '';
  const flush = () => { if (cur.trim() !== '') paras[paras.length - 1]!.push(cur.trim()); cur = ''; };
  for (const seg of r) {
    if (seg.code && !/[\r\n]/.test(seg.s)) { cur += mdCode(seg.s); continue; }
    const lines = seg.s.replace(/\r\n?/g, '\n').split('\n');
    lines.forEach((l, i) => {
      if (i > 0) {
        flush();
        if (l.trim() === '' && paras[paras.length - 1]!.length) paras.push([]);
      }
      cur += l.trim() === '' && i > 0 ? '' : mdEscape(l, cur === '');
    });
  }
  flush();
  return paras.filter((p) => p.length).map((p) => p.join('  \n'));
}

function mdInline(r: Rich): string {
  return mdRich(r).join(' ').replace(/ {2}\n/g, ' ');
}

export function renderMarkdown(page: TechniquePage): string {
  const out: string[] = [];
  for (const blk of document(page)) {
    switch (blk.t) {
      case 'h': {
        if (blk.level === 1) {
          const url = attackUrl(page.id);
          out.push(`# ${url ? `[${page.id}](${url})` : mdEscape(page.id)} ${mdInline(plain(page.name))}`, '');
        } else out.push(`${'#'.repeat(blk.level)} ${mdInline(blk.text)}`, '');
        break;
      }
      case 'p': out.push(...mdRich(blk.text).flatMap((p) => [p, ''])); break;
      case 'list': for (const it of blk.items) out.push(`- ${mdInline(it)}`); out.push(''); break;
      case 'kv': out.push(`**${mdEscape(blk.key)}:** ${mdInline(blk.value)}`, ''); break;
      case 'table': {
        out.push(`| ${blk.head.map((h) => mdEscape(h)).join(' | ')} |`, `|${blk.head.map(() => '---').join('|')}|`);
        for (const row of blk.rows) out.push(`| ${row.map((c) => mdInline(c)).join(' | ')} |`);
        out.push('');
        break;
      }
      case 'code': {
        const lines = blk.lines.map((l) => visible(l));
        const longest = Math.max(2, ...lines.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)));
        const fence = '`'.repeat(longest + 1);
        out.push(fence + blk.lang, ...lines, fence, '');
        break;
      }
    }
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

// ---- JSON --------------------------------------------------------------------------------------

/**
 * JSON.stringify, with the characters it leaves raw but a terminal may act on (DEL, C1 controls,
 * bidirectional and invisible formatting characters) written as \u escapes: the same data, safe to
 * print.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|\udb40[\udc00-\udc7f]/g,
    (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

export function renderJson(page: TechniquePage): string {
  const own = page.own ? (({ file: _file, ...rest }) => rest)(page.own) : null;
  return safeJson({
    id: page.id,
    name: page.name,
    url: attackUrl(page.id),
    notes: page.notes,
    tracehound: own,
    attack: page.official ? { ...page.official, data_component_details: page.data_components } : null,
    related: page.related,
    attack_store: page.store,
    ...(page.queries ? { queries: page.queries } : {}),
  }, 2) + '\n';
}
