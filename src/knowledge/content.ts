// tracehound's own technique content (data/knowledge/<id>.yaml): loaded once and checked on load.
// A broken or incomplete content file is a bug in the package; the error names the file and the key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { dataPath } from '../util/package-root.js';

export const PHASES = ['l1', 't2', 'containment', 'eradication', 'recovery'] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_TITLES: Record<Phase, string> = {
  l1: 'L1 triage',
  t2: 'T2 investigation',
  containment: 'Containment',
  eradication: 'Eradication',
  recovery: 'Recovery',
};

/** The playbook step ids other code refers to (audit checks, findings, reports): never rename. */
export const REQUIRED_STEP_IDS = [
  'l1-verify-registrations', 'l1-check-dll', 'l1-who-when', 'l1-escalate',
  't2-scope-execution', 't2-collect', 't2-hunt-fleet',
  'contain-disable-uninstall', 'eradicate-remove-files', 'recover-credentials',
] as const;

export type OnByDefault = 'yes' | 'no' | 'partial';

export interface TitledText { title: string; text: string; sources: string[] }
export interface Procedure { name: string; attack_id: string | null; kind: 'intrusion' | 'emulation' | 'test'; text: string; sources: string[] }
export interface Platform { name: string; text: string }
export interface TelemetryRow { source: string; event: string; indicates: string; default: OnByDefault; note: string | null }
export interface Mitigation { id: string; name: string; steps: string[] }
export interface PlaybookStep { id: string; phase: Phase; title: string; text: string; commands: string[] }
export interface Playbook {
  log_sources: string[];
  key_indicators: string[];
  questions: string[];
  escalation: string[];
  steps: PlaybookStep[];
}
export interface Reference { tag: string; title: string; url: string | null }
export interface SubTechnique { id: string; name: string; summary: string }

interface Common { file: string; id: string; name: string; tactics: string[]; summary: string }

/** A technique tracehound covers in depth. */
export interface FullContent extends Common {
  kind: 'full';
  parent: string | null;
  why: string[];
  how_it_works: TitledText[];
  procedures: Procedure[];
  platforms: Platform[];
  permissions: string[];
  telemetry: TelemetryRow[];
  detection: TitledText[];
  mitigations: Mitigation[];
  false_positives: string[];
  playbook: Playbook;
  references: Reference[];
}

/** A parent technique, outlined with its sub-techniques. */
export interface OverviewContent extends Common {
  kind: 'overview';
  platforms: string[];
  sub_techniques: SubTechnique[];
}

export type TechniqueContent = FullContent | OverviewContent;

export class ContentError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;
const STEP_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** Words that mark unfinished text. */
const PLACEHOLDER = /\b(TODO|TBD|FIXME|XXX)\b|lorem ipsum|to be written|fill (this|me) in|^\s*(\.\.\.|…|-|n\/a)\s*$/i;

/** Reads one content document; `file` is used in messages. */
export function parseTechniqueContent(doc: unknown, file: string): TechniqueContent {
  const fail = (where: string, msg: string): never => { throw new ContentError(`${file}: ${where}: ${msg}`); };
  const keys = (o: Obj, where: string, allowed: string[]) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(where ? `${where}.${k}` : k, 'unknown key');
  };
  const text = (o: Obj, k: string, where: string): string => {
    const v = o[k];
    const at = where ? `${where}.${k}` : k;
    if (typeof v !== 'string' || v.trim() === '') return fail(at, 'must be a non-empty string');
    if (PLACEHOLDER.test(v)) fail(at, `unfinished text: '${v.length > 60 ? v.slice(0, 60) + '…' : v}'`);
    return v.trim();
  };
  const optText = (o: Obj, k: string, where: string): string | null => (o[k] === undefined || o[k] === null ? null : text(o, k, where));
  const list = (o: Obj, k: string, where: string): unknown[] => {
    const v = o[k];
    const at = where ? `${where}.${k}` : k;
    if (!Array.isArray(v) || v.length === 0) return fail(at, 'must be a non-empty list');
    return v;
  };
  const texts = (o: Obj, k: string, where: string): string[] =>
    list(o, k, where).map((_, i, a) => text({ [String(i)]: a[i] } as Obj, String(i), `${where ? where + '.' : ''}${k}`));
  const optTexts = (o: Obj, k: string, where: string): string[] => (o[k] === undefined ? [] : texts(o, k, where));
  const objects = (o: Obj, k: string, where: string): [Obj, string][] =>
    list(o, k, where).map((e, i) => {
      const at = `${where ? where + '.' : ''}${k}[${i}]`;
      if (!isObj(e)) fail(at, 'must be a mapping');
      return [e as Obj, at];
    });

  if (!isObj(doc)) fail('(document)', 'must be a mapping');
  const d = doc as Obj;
  const id = text(d, 'id', '');
  if (!TECHNIQUE_ID.test(id)) fail('id', `'${id}' is not a technique id like T1505.002`);
  const kind = text(d, 'kind', '');
  const common = { file, id, name: text(d, 'name', ''), tactics: texts(d, 'tactics', ''), summary: text(d, 'summary', '') };

  if (kind === 'overview') {
    keys(d, '', ['id', 'name', 'kind', 'tactics', 'platforms', 'summary', 'sub_techniques']);
    const subs = objects(d, 'sub_techniques', '').map(([s, at]) => {
      keys(s, at, ['id', 'name', 'summary']);
      const sid = text(s, 'id', at);
      if (!TECHNIQUE_ID.test(sid) || !sid.startsWith(id + '.')) fail(`${at}.id`, `'${sid}' is not a sub-technique of ${id}`);
      return { id: sid, name: text(s, 'name', at), summary: text(s, 'summary', at) };
    });
    return { kind: 'overview', ...common, platforms: texts(d, 'platforms', ''), sub_techniques: subs };
  }
  if (kind !== 'full') fail('kind', `must be 'full' or 'overview', not '${kind}'`);

  keys(d, '', ['id', 'name', 'kind', 'parent', 'tactics', 'summary', 'why', 'how_it_works', 'procedures', 'platforms', 'permissions',
    'telemetry', 'detection', 'mitigations', 'false_positives', 'playbook', 'references']);
  const parent = optText(d, 'parent', '');
  if (parent !== null && (!TECHNIQUE_ID.test(parent) || !id.startsWith(parent + '.'))) fail('parent', `'${parent}' is not the parent of ${id}`);

  const references = objects(d, 'references', '').map(([r, at]) => {
    keys(r, at, ['tag', 'title', 'url']);
    const url = optText(r, 'url', at);
    if (url !== null && !/^https:\/\/\S+$/.test(url)) fail(`${at}.url`, `'${url}' is not an https URL`);
    return { tag: text(r, 'tag', at), title: text(r, 'title', at), url };
  });
  const tags = new Set(references.map((r) => r.tag));
  if (tags.size !== references.length) fail('references', 'duplicate tag');
  const sources = (o: Obj, at: string): string[] => {
    const s = optTexts(o, 'sources', at);
    for (const t of s) if (!tags.has(t)) fail(`${at}.sources`, `'${t}' is not a tag under references`);
    return s;
  };
  const titled = (k: string): TitledText[] => objects(d, k, '').map(([o, at]) => {
    keys(o, at, ['title', 'text', 'sources']);
    return { title: text(o, 'title', at), text: text(o, 'text', at), sources: sources(o, at) };
  });

  const procedures = objects(d, 'procedures', '').map(([p, at]): Procedure => {
    keys(p, at, ['name', 'attack_id', 'kind', 'text', 'sources']);
    const attackId = optText(p, 'attack_id', at);
    if (attackId !== null && !/^[SGC]\d{4}$/.test(attackId)) fail(`${at}.attack_id`, `'${attackId}' is not an ATT&CK software, group or campaign id`);
    const k = text(p, 'kind', at);
    if (!['intrusion', 'emulation', 'test'].includes(k)) fail(`${at}.kind`, `must be intrusion, emulation or test, not '${k}'`);
    return { name: text(p, 'name', at), attack_id: attackId, kind: k as Procedure['kind'], text: text(p, 'text', at), sources: sources(p, at) };
  });

  const platforms = objects(d, 'platforms', '').map(([p, at]) => {
    keys(p, at, ['name', 'text']);
    return { name: text(p, 'name', at), text: text(p, 'text', at) };
  });

  const telemetry = objects(d, 'telemetry', '').map(([t, at]): TelemetryRow => {
    keys(t, at, ['source', 'event', 'indicates', 'default', 'note']);
    const def = text(t, 'default', at);
    if (!['yes', 'no', 'partial'].includes(def)) fail(`${at}.default`, `must be yes, no or partial, not '${def}'`);
    return { source: text(t, 'source', at), event: text(t, 'event', at), indicates: text(t, 'indicates', at), default: def as OnByDefault, note: optText(t, 'note', at) };
  });

  const mitigations = objects(d, 'mitigations', '').map(([m, at]) => {
    keys(m, at, ['id', 'name', 'steps']);
    const mid = text(m, 'id', at);
    if (!/^M\d{4}$/.test(mid)) fail(`${at}.id`, `'${mid}' is not an ATT&CK mitigation id`);
    return { id: mid, name: text(m, 'name', at), steps: texts(m, 'steps', at) };
  });
  if (new Set(mitigations.map((m) => m.id)).size !== mitigations.length) fail('mitigations', 'duplicate id');

  if (!isObj(d['playbook'])) fail('playbook', 'must be a mapping');
  const pb = d['playbook'] as Obj;
  keys(pb, 'playbook', ['log_sources', 'key_indicators', 'questions', 'escalation', 'steps']);
  const seen = new Set<string>();
  let lastPhase = -1;
  const steps = objects(pb, 'steps', 'playbook').map(([s, at]): PlaybookStep => {
    keys(s, at, ['id', 'phase', 'title', 'text', 'commands']);
    const sid = text(s, 'id', at);
    if (!STEP_ID.test(sid)) fail(`${at}.id`, `'${sid}' must be lower-case words joined by '-'`);
    if (seen.has(sid)) fail(`${at}.id`, `duplicate step id '${sid}'`);
    seen.add(sid);
    const phase = text(s, 'phase', at);
    const rank = (PHASES as readonly string[]).indexOf(phase);
    if (rank < 0) fail(`${at}.phase`, `must be one of ${PHASES.join(', ')}, not '${phase}'`);
    if (rank < lastPhase) fail(`${at}.phase`, `phase '${phase}' comes after phase '${PHASES[lastPhase]}': steps must be in phase order (${PHASES.join(' < ')})`);
    lastPhase = rank;
    return { id: sid, phase: phase as Phase, title: text(s, 'title', at), text: text(s, 'text', at), commands: optTexts(s, 'commands', at) };
  });
  if (id === 'T1505.002') for (const r of REQUIRED_STEP_IDS) if (!seen.has(r)) fail('playbook.steps', `the step '${r}' is missing (other code refers to it)`);

  return {
    kind: 'full', ...common, parent,
    why: texts(d, 'why', ''),
    how_it_works: titled('how_it_works'),
    procedures, platforms,
    permissions: texts(d, 'permissions', ''),
    telemetry,
    detection: titled('detection'),
    mitigations,
    false_positives: texts(d, 'false_positives', ''),
    playbook: {
      log_sources: texts(pb, 'log_sources', 'playbook'),
      key_indicators: texts(pb, 'key_indicators', 'playbook'),
      questions: texts(pb, 'questions', 'playbook'),
      escalation: texts(pb, 'escalation', 'playbook'),
      steps,
    },
    references,
  };
}

const cache = new Map<string, TechniqueContent | null>();

function contentFile(id: string): string {
  return dataPath('knowledge', `${id}.yaml`);
}

/** Reads and checks one content file (relative to the package, or an explicit path). */
function readContentFile(file: string): TechniqueContent {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ContentError(`${file}: ${(e as Error).message}`);
  }
  return parseTechniqueContent(doc, file);
}

/** tracehound's own content for a technique id, or null when there is none. */
export function techniqueContent(id: string): TechniqueContent | null {
  if (!TECHNIQUE_ID.test(id)) return null;
  if (cache.has(id)) return cache.get(id)!;
  const file = contentFile(id);
  let c: TechniqueContent | null = null;
  if (existsSync(file)) {
    c = readContentFile(file);
    if (c.id !== id) throw new ContentError(`${file}: id: '${c.id}' does not match the file name`);
  }
  cache.set(id, c);
  return c;
}

/** The technique ids tracehound has content for (sorted). */
export function contentIds(): string[] {
  const dir = dataPath('knowledge');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^T\d{4}(\.\d{3})?\.yaml$/.test(f)).map((f) => f.slice(0, -5)).sort();
}
