// ATT&CK STIX 2.x import: a bundle (plain JSON or gzip, recognised by its first bytes, never its
// name) or a folder of STIX object files (the layout of mitre/cti: one bundle per object) becomes a
// compact extract of every technique with what the technique page needs: names, descriptions,
// versions, platforms, tactics, the parent, mitigations (`mitigates`), procedure examples (`uses`
// from groups, software and campaigns), the v18 detection model (x-mitre-detection-strategy
// --detects--> technique; strategy.x_mitre_analytic_refs -> x-mitre-analytic;
// analytic.x_mitre_log_source_references[].x_mitre_data_component_ref -> x-mitre-data-component) and
// the legacy fields of older releases (x_mitre_detection, x_mitre_data_sources, data component
// --detects--> technique).
import { closeSync, createReadStream, lstatSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createGunzip, gunzipSync } from 'node:zlib';
import { BundleScanner, JsonStreamError } from './json-stream.js';

export const MAX_INPUT_BYTES = 1 << 30;
/** files of a folder read at once below this size; bigger ones are streamed */
const SMALL_FILE = 16 << 20;
const MAX_FILES = 500_000;

export class AttackImportError extends Error {
  constructor(readonly file: string, readonly what: string) {
    super(`${file}: ${what}`);
  }
}

// ---- the extract ------------------------------------------------------------------------------

export interface AttackRef { source: string; url: string | null; description: string | null }

export interface AttackMitigation { id: string; name: string; url: string | null; description: string }

export type ProcedureType = 'intrusion-set' | 'malware' | 'tool' | 'campaign';

export interface AttackProcedure { id: string; name: string; type: ProcedureType; url: string | null; description: string }

export interface AttackLogSource { data_component: string | null; name: string; channel: string }

export interface AttackAnalytic {
  id: string;
  name: string;
  url: string | null;
  description: string;
  platforms: string[];
  log_sources: AttackLogSource[];
  mutable_elements: { field: string; description: string }[];
}

export interface AttackDetectionStrategy { id: string; name: string; url: string | null; analytics: AttackAnalytic[] }

export interface AttackTechnique {
  id: string;
  stix_id: string;
  name: string;
  description: string;
  url: string | null;
  version: string | null;
  created: string | null;
  modified: string | null;
  domains: string[];
  platforms: string[];
  is_subtechnique: boolean;
  parent: string | null;
  subtechniques: string[];
  tactics: string[];
  deprecated: boolean;
  revoked: boolean;
  revoked_by: string | null;
  contributors: string[];
  /** legacy (up to v17): free-text detection advice */
  detection: string | null;
  /** legacy (v8-v17): "Data Source: Data Component" strings */
  data_sources: string[];
  mitigations: AttackMitigation[];
  procedures: AttackProcedure[];
  detection_strategies: AttackDetectionStrategy[];
  /** data component ids referenced by the analytics and by legacy `detects` relationships */
  data_components: string[];
  /** legacy (v10-v17): data component --detects--> technique, with the relationship's text */
  legacy_detections: { data_component: string; description: string }[];
  references: AttackRef[];
}

export interface AttackDataComponent {
  id: string;
  name: string;
  description: string;
  data_source: string | null;
  log_sources: { name: string; channel: string }[];
  deprecated: boolean;
}

export interface AttackExtract {
  format: 'tracehound-attack';
  format_version: 1;
  imported_at: string;
  import_ms: number;
  source: { path: string; kind: 'file' | 'directory'; files: number; bytes: number; json_bytes: number; skipped: string[] };
  bundle: {
    ids: string[];
    spec_versions: string[];
    attack_spec_versions: string[];
    /** x-mitre-collection x_mitre_version (the ATT&CK release) when the bundle carries one */
    attack_version: string | null;
    collection: string | null;
    domains: string[];
    matrices: string[];
    newest_modified: string | null;
    copyright: string | null;
  };
  counts: Record<string, number>;
  problems: string[];
  techniques: Record<string, AttackTechnique>;
  data_components: Record<string, AttackDataComponent>;
}

export const EXTRACT_FORMAT = 'tracehound-attack';
export const EXTRACT_VERSION = 1;

// ---- reading the input ------------------------------------------------------------------------

type Kind = 'gzip' | 'json' | 'zip' | 'other';

function sniff(head: Buffer): Kind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b) return 'zip';
  let i = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (i < head.length && (head[i] === 0x7b || head[i] === 0x5b)) return 'json';
  return 'other';
}

function readHead(path: string, n = 64): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(n);
    const got = readSync(fd, b, 0, n, 0);
    return b.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

function zlibWhat(e: NodeJS.ErrnoException): string {
  if (e.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e.message)) return 'truncated gzip data (unexpected end of file)';
  return `corrupt gzip data (${e.message})`;
}

interface Budget { json: number }

class Reader {
  files = 0;
  bytes = 0;
  skipped: string[] = [];
  private budget: Budget = { json: 0 };

  readonly bundleIds = new Set<string>();
  readonly specVersions = new Set<string>();

  constructor(
    private readonly onObject: (o: unknown, file: string, where: string) => void,
    private readonly problems: string[],
    private readonly limit: number,
  ) {}

  get jsonBytes(): number { return this.budget.json; }

  private scanner(file: string): BundleScanner {
    return new BundleScanner((v, i) => this.onObject(v, file, `objects[${i}]`));
  }

  private finish(file: string, sc: BundleScanner): void {
    const r = sc.end();
    if (r.topArray) return;
    if (r.sawObjects) {
      if (typeof r.props['id'] === 'string') this.bundleIds.add(r.props['id']);
      if (typeof r.props['spec_version'] === 'string') this.specVersions.add(r.props['spec_version']);
      if (r.props['type'] !== undefined && r.props['type'] !== 'bundle') this.problems.push(`${file}: top-level 'type' is '${String(r.props['type'])}', not 'bundle'; its objects were read anyway`);
      return;
    }
    if ('objects' in r.props) throw new AttackImportError(file, `'objects' must be an array (found ${typeOf(r.props['objects'])})`);
    if (r.props['type'] === 'bundle') throw new AttackImportError(file, "a STIX bundle without an 'objects' array");
    if (typeof r.props['type'] === 'string' && typeof r.props['id'] === 'string') { this.onObject(r.props, file, 'the file'); return; }
    throw new AttackImportError(file, "not a STIX bundle or object (no 'objects' array, no 'type' and 'id')");
  }

  private wrap(file: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof JsonStreamError) throw new AttackImportError(file, `${e.message} (at byte ${e.offset}${this.lastGzip ? ' of the decompressed data' : ''})`);
      throw e;
    }
  }

  private lastGzip = false;

  private count(file: string, n: number): void {
    this.budget.json += n;
    if (this.budget.json > this.limit) throw new AttackImportError(file, `${verb(this.lastGzip)} more than ${size(this.limit)} of JSON in all; refused`);
  }

  /** One file, streamed (large files, or a single input). */
  async streamFile(file: string, kind: Kind): Promise<void> {
    this.files++;
    this.lastGzip = kind === 'gzip';
    const sc = this.scanner(file);
    const raw = createReadStream(file, { highWaterMark: 1 << 20 });
    const src = kind === 'gzip' ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
    raw.on('data', (c: Buffer | string) => { this.bytes += c.length; });
    if (kind === 'gzip') raw.on('error', (e) => (src as NodeJS.ReadableStream & { destroy(e?: Error): void }).destroy(e));
    try {
      for await (const chunk of src as AsyncIterable<Buffer>) {
        this.count(file, chunk.length);
        this.wrap(file, () => sc.push(chunk));
      }
    } catch (e) {
      raw.destroy();
      if (e instanceof AttackImportError) throw e;
      const err = e as NodeJS.ErrnoException;
      if (kind === 'gzip' && (err.code?.startsWith('Z_') || /unexpected end of file|incorrect header check|invalid (block|distance|code|stored)/i.test(err.message))) throw new AttackImportError(file, zlibWhat(err));
      throw e;
    }
    this.wrap(file, () => this.finish(file, sc));
  }

  /** One small file of a folder, read at once. */
  readSmall(file: string, kind: Kind): void {
    this.files++;
    this.lastGzip = kind === 'gzip';
    const raw = readFileSync(file);
    this.bytes += raw.length;
    let data: Buffer;
    if (kind === 'gzip') {
      try {
        data = gunzipSync(raw, { maxOutputLength: Math.max(1, this.limit - this.budget.json + 1) });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ERR_BUFFER_TOO_LARGE') throw new AttackImportError(file, `decompresses to more than ${size(this.limit)} of JSON in all; refused`);
        throw new AttackImportError(file, zlibWhat(err));
      }
    } else data = raw;
    this.count(file, data.length);
    const sc = this.scanner(file);
    this.wrap(file, () => { sc.push(data); this.finish(file, sc); });
  }

  async readPath(path: string): Promise<'file' | 'directory'> {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new AttackImportError(path, err.code === 'ENOENT' ? 'no such file or folder' : err.message);
    }
    if (st.isDirectory()) {
      const files: { path: string; size: number }[] = [];
      walk(path, files);
      if (files.length === 0) throw new AttackImportError(path, 'the folder holds no files');
      const total = files.reduce((a, f) => a + f.size, 0);
      if (total > this.limit) throw new AttackImportError(path, `the folder holds ${size(total)} of files, more than ${size(this.limit)}; refused`);
      let read = 0;
      for (const f of files) {
        const kind = f.size === 0 ? 'other' : sniff(readHead(f.path));
        if (kind === 'zip') throw new AttackImportError(f.path, 'a zip archive: extract it first');
        if (kind === 'other') { this.skipped.push(f.path); continue; }
        if (f.size > SMALL_FILE) await this.streamFile(f.path, kind);
        else this.readSmall(f.path, kind);
        read++;
      }
      if (read === 0) throw new AttackImportError(path, 'no JSON or gzip file in the folder');
      return 'directory';
    }
    if (!st.isFile()) throw new AttackImportError(path, 'not a regular file or folder');
    if (st.size > this.limit) throw new AttackImportError(path, `${size(st.size)}, more than ${size(this.limit)}; refused`);
    if (st.size === 0) throw new AttackImportError(path, 'empty file');
    const kind = sniff(readHead(path));
    if (kind === 'zip') throw new AttackImportError(path, 'a zip archive: extract it first, or give the bundle (JSON or .json.gz)');
    if (kind === 'other') throw new AttackImportError(path, 'not JSON or gzip (the first bytes are neither { nor [ nor the gzip signature)');
    await this.streamFile(path, kind);
    return 'file';
  }
}

function walk(dir: string, out: { path: string; size: number }[]): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) {
      out.push({ path: p, size: lstatSync(p).size });
      if (out.length > MAX_FILES) throw new AttackImportError(dir, `more than ${MAX_FILES} files; refused`);
    }
  }
}

function size(n: number): string {
  return n >= 2 ** 30 ? `${+(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${+(n / 2 ** 20).toFixed(2)} MiB` : `${n} bytes`;
}

function verb(gzip: boolean): string {
  return gzip ? 'decompresses to' : 'holds';
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

// ---- collecting the objects -------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;

function mitreRef(o: Obj): { id: string; url: string | null } | null {
  const refs = o['external_references'];
  if (!Array.isArray(refs)) return null;
  for (const r of refs) {
    if (!isObj(r)) continue;
    const src = str(r['source_name']);
    const id = str(r['external_id']);
    if (src && /^mitre-/.test(src) && id) return { id, url: str(r['url']) };
  }
  return null;
}

function otherRefs(o: Obj): AttackRef[] {
  const refs = o['external_references'];
  if (!Array.isArray(refs)) return [];
  const out: AttackRef[] = [];
  for (const r of refs) {
    if (!isObj(r)) continue;
    const src = str(r['source_name']);
    if (!src || (/^mitre-/.test(src) && str(r['external_id']))) continue;
    out.push({ source: src, url: str(r['url']), description: str(r['description']) });
  }
  return out;
}

const inactive = (o: Obj) => o['revoked'] === true || o['x_mitre_deprecated'] === true;

interface Rel { type: string; src: string; tgt: string; description: string; refs: AttackRef[] }

class Collector {
  readonly byId = new Map<string, Obj>();
  readonly counts = new Map<string, number>();
  readonly bundleIds = new Set<string>();
  readonly specVersions = new Set<string>();
  readonly attackSpecVersions = new Set<string>();
  objects = 0;
  duplicates = 0;
  newest: string | null = null;

  constructor(private readonly problems: string[]) {}

  add(v: unknown, file: string, where: string): void {
    if (!isObj(v)) { this.problem(`${file}: ${where} is ${typeOf(v)}, not a STIX object; skipped`); return; }
    const type = str(v['type']), id = str(v['id']);
    if (!type || !id) { this.problem(`${file}: ${where} has no 'type' or 'id'; skipped`); return; }
    this.objects++;
    if (type === 'bundle') {
      // a bundle nested in a bundle (not valid STIX, but harmless): read its objects
      this.bundleIds.add(id);
      if (Array.isArray(v['objects'])) v['objects'].forEach((o, i) => this.add(o, file, `${where}.objects[${i}]`));
      return;
    }
    const sv = str(v['spec_version']);
    if (sv) this.specVersions.add(sv);
    const asv = str(v['x_mitre_attack_spec_version']);
    if (asv) this.attackSpecVersions.add(asv);
    const modified = str(v['modified']);
    if (modified && (this.newest === null || modified > this.newest)) this.newest = modified;
    const prev = this.byId.get(id);
    if (prev) {
      this.duplicates++;
      const pm = str(prev['modified']) ?? '';
      if ((modified ?? '') < pm) return;
    } else this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    this.byId.set(id, v);
  }

  problem(msg: string): void {
    if (this.problems.length < 200) this.problems.push(msg);
    else if (this.problems.length === 200) this.problems.push('… further problems not listed');
  }
}

function buildExtract(c: Collector): Pick<AttackExtract, 'techniques' | 'data_components' | 'counts' | 'bundle'> {
  const techniques = new Map<string, AttackTechnique>(); // by STIX id
  const rels: Rel[] = [];
  let collection: Obj | null = null;
  let copyright: string | null = null;
  const matrices: string[] = [];
  const domains = new Set<string>();
  const relCounts = new Map<string, number>();

  for (const o of c.byId.values()) {
    const type = o['type'] as string;
    for (const d of strs(o['x_mitre_domains'])) domains.add(d);
    switch (type) {
      case 'attack-pattern': {
        const ref = mitreRef(o);
        if (!ref || !TECHNIQUE_ID.test(ref.id)) break;
        const t: AttackTechnique = {
          id: ref.id, stix_id: o['id'] as string, name: str(o['name']) ?? '', description: str(o['description']) ?? '', url: ref.url,
          version: str(o['x_mitre_version']), created: str(o['created']), modified: str(o['modified']),
          domains: strs(o['x_mitre_domains']), platforms: strs(o['x_mitre_platforms']),
          is_subtechnique: o['x_mitre_is_subtechnique'] === true || ref.id.includes('.'),
          parent: null, subtechniques: [],
          tactics: Array.isArray(o['kill_chain_phases']) ? o['kill_chain_phases'].filter(isObj).filter((k) => /^mitre-/.test(str(k['kill_chain_name']) ?? '')).map((k) => str(k['phase_name']) ?? '').filter(Boolean) : [],
          deprecated: o['x_mitre_deprecated'] === true, revoked: o['revoked'] === true, revoked_by: null,
          contributors: strs(o['x_mitre_contributors']),
          detection: str(o['x_mitre_detection']) || null,
          data_sources: strs(o['x_mitre_data_sources']),
          mitigations: [], procedures: [], detection_strategies: [], data_components: [], legacy_detections: [],
          references: otherRefs(o),
        };
        techniques.set(t.stix_id, t);
        break;
      }
      case 'relationship': {
        const rt = str(o['relationship_type']), src = str(o['source_ref']), tgt = str(o['target_ref']);
        if (!rt || !src || !tgt) { c.problem(`relationship ${String(o['id'])} lacks relationship_type, source_ref or target_ref; skipped`); break; }
        relCounts.set(rt, (relCounts.get(rt) ?? 0) + 1);
        if (inactive(o)) break;
        rels.push({ type: rt, src, tgt, description: str(o['description']) ?? '', refs: otherRefs(o) });
        break;
      }
      case 'x-mitre-collection':
        if (!collection || (str(o['modified']) ?? '') > (str(collection['modified']) ?? '')) collection = o;
        break;
      case 'marking-definition': {
        const def = o['definition'];
        const s = isObj(def) ? str(def['statement']) : null;
        if (s && /MITRE/i.test(s)) copyright = s;
        break;
      }
      case 'x-mitre-matrix':
        if (str(o['name'])) matrices.push(o['name'] as string);
        break;
    }
  }

  const byStix = (id: string) => c.byId.get(id);
  const techIdOf = (stix: string) => techniques.get(stix)?.id ?? null;

  // data components (v18: generic log sources; legacy: a data source reference)
  const dataComponents: Record<string, AttackDataComponent> = {};
  const dcId = (stix: string): string | null => {
    const o = byStix(stix);
    if (!o || o['type'] !== 'x-mitre-data-component') return null;
    const ref = mitreRef(o);
    const id = ref?.id ?? stix;
    if (!dataComponents[id]) {
      const dsRef = str(o['x_mitre_data_source_ref']);
      const ds = dsRef ? byStix(dsRef) : undefined;
      dataComponents[id] = {
        id, name: str(o['name']) ?? '', description: str(o['description']) ?? '',
        data_source: ds ? (str(ds['name']) ?? null) : null,
        log_sources: Array.isArray(o['x_mitre_log_sources']) ? o['x_mitre_log_sources'].filter(isObj).map((l) => ({ name: str(l['name']) ?? '', channel: str(l['channel']) ?? '' })) : [],
        deprecated: inactive(o),
      };
    }
    return id;
  };

  const analytic = (stix: string): AttackAnalytic | null => {
    const o = byStix(stix);
    if (!o || o['type'] !== 'x-mitre-analytic') return null;
    const ref = mitreRef(o);
    return {
      id: ref?.id ?? stix, name: str(o['name']) ?? '', url: ref?.url ?? null, description: str(o['description']) ?? '',
      platforms: strs(o['x_mitre_platforms']),
      log_sources: Array.isArray(o['x_mitre_log_source_references']) ? o['x_mitre_log_source_references'].filter(isObj).map((l) => {
        const dc = str(l['x_mitre_data_component_ref']);
        return { data_component: dc ? dcId(dc) : null, name: str(l['name']) ?? '', channel: str(l['channel']) ?? '' };
      }) : [],
      mutable_elements: Array.isArray(o['x_mitre_mutable_elements']) ? o['x_mitre_mutable_elements'].filter(isObj).map((m) => ({ field: str(m['field']) ?? '', description: str(m['description']) ?? '' })) : [],
    };
  };

  const PROC_TYPES = new Set<string>(['intrusion-set', 'malware', 'tool', 'campaign']);
  for (const r of rels) {
    const t = techniques.get(r.tgt);
    const src = byStix(r.src);
    switch (r.type) {
      case 'subtechnique-of': {
        const child = techniques.get(r.src), parent = techniques.get(r.tgt);
        if (child && parent) { child.parent = parent.id; parent.subtechniques.push(child.id); }
        break;
      }
      case 'revoked-by': {
        const old = techniques.get(r.src);
        if (old) old.revoked_by = techIdOf(r.tgt);
        break;
      }
      case 'mitigates': {
        if (!t || !src || src['type'] !== 'course-of-action' || inactive(src)) break;
        const ref = mitreRef(src);
        t.mitigations.push({ id: ref?.id ?? r.src, name: str(src['name']) ?? '', url: ref?.url ?? null, description: r.description });
        addRefs(t, r.refs);
        break;
      }
      case 'uses': {
        if (!t || !src || !PROC_TYPES.has(src['type'] as string) || inactive(src)) break;
        const ref = mitreRef(src);
        t.procedures.push({ id: ref?.id ?? r.src, name: str(src['name']) ?? '', type: src['type'] as ProcedureType, url: ref?.url ?? null, description: r.description });
        addRefs(t, r.refs);
        break;
      }
      case 'detects': {
        if (!t || !src || inactive(src)) break;
        if (src['type'] === 'x-mitre-detection-strategy') {
          const ref = mitreRef(src);
          const analytics = strs(src['x_mitre_analytic_refs']).map((a) => {
            const an = analytic(a);
            if (!an) c.problem(`detection strategy ${ref?.id ?? r.src} refers to ${a}, which is not in the input`);
            return an;
          }).filter((a): a is AttackAnalytic => a !== null);
          t.detection_strategies.push({ id: ref?.id ?? r.src, name: str(src['name']) ?? '', url: ref?.url ?? null, analytics });
        } else if (src['type'] === 'x-mitre-data-component') {
          const id = dcId(r.src);
          if (id) t.legacy_detections.push({ data_component: id, description: r.description });
        }
        break;
      }
    }
  }

  const out: Record<string, AttackTechnique> = {};
  const byName = (a: { id: string; name: string }, b: { id: string; name: string }) => a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id);
  const ordered = [...techniques.values()].sort((a, b) => cmpTechnique(a.id, b.id));
  for (const t of ordered) {
    if (!t.parent && t.is_subtechnique) t.parent = t.id.split('.')[0]!;
    t.subtechniques.sort(cmpTechnique);
    t.mitigations.sort((a, b) => a.id.localeCompare(b.id));
    t.procedures.sort(byName);
    t.detection_strategies.sort((a, b) => a.id.localeCompare(b.id));
    const dcs = new Set<string>();
    for (const s of t.detection_strategies) for (const a of s.analytics) for (const l of a.log_sources) if (l.data_component) dcs.add(l.data_component);
    for (const l of t.legacy_detections) dcs.add(l.data_component);
    t.data_components = [...dcs].sort();
    const prior = out[t.id];
    // two live objects with one id (should not happen): keep the active, then the newest
    if (prior && (inactiveTech(t) > inactiveTech(prior) || (inactiveTech(t) === inactiveTech(prior) && (t.modified ?? '') < (prior.modified ?? '')))) continue;
    out[t.id] = t;
  }

  const counts: Record<string, number> = { bundles: c.bundleIds.size, objects: c.objects, unique_objects: c.byId.size, duplicates: c.duplicates };
  for (const [k, v] of [...c.counts].sort()) counts[k] = v;
  for (const [k, v] of [...relCounts].sort()) counts[`relationship:${k}`] = v;
  const all = Object.values(out);
  counts['techniques'] = all.filter((t) => !t.is_subtechnique).length;
  counts['subtechniques'] = all.filter((t) => t.is_subtechnique).length;
  counts['techniques_active'] = all.filter((t) => !t.revoked && !t.deprecated).length;
  counts['mitigation_links'] = all.reduce((n, t) => n + t.mitigations.length, 0);
  counts['procedure_links'] = all.reduce((n, t) => n + t.procedures.length, 0);
  counts['detection_strategy_links'] = all.reduce((n, t) => n + t.detection_strategies.length, 0);
  counts['data_components_linked'] = Object.keys(dataComponents).length;

  return {
    techniques: out,
    data_components: dataComponents,
    counts,
    bundle: {
      ids: [...c.bundleIds].sort().slice(0, 10),
      spec_versions: [...c.specVersions].sort(),
      attack_spec_versions: [...c.attackSpecVersions].sort(cmpVersion),
      attack_version: collection ? str(collection['x_mitre_version']) : null,
      collection: collection ? str(collection['name']) : null,
      domains: [...domains].sort(),
      matrices: matrices.sort(),
      newest_modified: c.newest,
      copyright,
    },
  };
}

const inactiveTech = (t: AttackTechnique) => (t.revoked || t.deprecated ? 1 : 0);

function addRefs(t: AttackTechnique, refs: AttackRef[]): void {
  for (const r of refs) if (!t.references.some((x) => x.source === r.source)) t.references.push(r);
}

function cmpTechnique(a: string, b: string): number {
  const [am, as = ''] = a.split('.'), [bm, bs = ''] = b.split('.');
  return am! < bm! ? -1 : am! > bm! ? 1 : as < bs ? -1 : as > bs ? 1 : 0;
}

function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number), pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

// ---- the entry point --------------------------------------------------------------------------

export interface ImportOptions {
  /** refuse more input than this (file size, folder total, and JSON after decompression); default 1 GiB */
  maxInputBytes?: number;
  now?: () => Date;
}

/**
 * Reads an ATT&CK STIX bundle (JSON or gzip) or a folder of STIX object files and returns the
 * extract. Throws AttackImportError (file and what) for unreadable, oversized or malformed input.
 */
export async function importAttack(path: string, options: ImportOptions = {}): Promise<AttackExtract> {
  const t0 = performance.now();
  const abs = resolve(path);
  const problems: string[] = [];
  const c = new Collector(problems);
  const reader = new Reader((o, file, where) => c.add(o, file, where), problems, options.maxInputBytes ?? MAX_INPUT_BYTES);
  const kind = await reader.readPath(abs);
  if (c.objects === 0) throw new AttackImportError(abs, 'no STIX objects found');
  for (const id of reader.bundleIds) c.bundleIds.add(id);
  for (const v of reader.specVersions) c.specVersions.add(v);
  const built = buildExtract(c);
  if (Object.keys(built.techniques).length === 0) throw new AttackImportError(abs, `no ATT&CK technique found among ${c.objects} STIX objects (no attack-pattern with a mitre-attack external id like T1505.002)`);
  return {
    format: EXTRACT_FORMAT,
    format_version: EXTRACT_VERSION,
    imported_at: (options.now ?? (() => new Date()))().toISOString(),
    import_ms: Math.round(performance.now() - t0),
    source: { path: abs, kind, files: reader.files, bytes: reader.bytes, json_bytes: reader.jsonBytes, skipped: reader.skipped.slice(0, 50) },
    ...built,
    problems,
  };
}
