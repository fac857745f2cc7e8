// The agent catalogue, the indicator list and the check texts, loaded from data/ and checked on load
// (a broken data file is a bug in the package, reported with the file and the entry).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../util/package-root.js';
import type { Severity, Confidence } from '../findings/model.js';

export type ServerRole = 'Mailbox' | 'Edge';
export type Product = '2013' | '2016' | '2019' | 'SE';

export interface MicrosoftAgent {
  name: string;
  factory: string | null;
  /** relative to the install root, backslashes */
  assembly: string | null;
  baseType: string | null;
  roles: ServerRole[];
  optional: ServerRole[];
  priority: Partial<Record<Product, number>>;
  sources: string[];
}

export interface VendorAgent {
  vendor: string;
  names: string[];
  namePattern: RegExp | null;
  factories: string[];
  assemblyFile: string | null;
  signer: string | null;
  confidence: string;
  sources: string[];
}

export interface Catalogue {
  versions: { product: Product; major: number; minor: number; belowBuild?: number; fromBuild?: number }[];
  microsoft: MicrosoftAgent[];
  internal: string[];
  microsoftSigner: string;
  vendors: VendorAgent[];
}

export interface Iocs {
  hashes: { sha256?: string; sha1?: string; md5?: string; what: string; source: string }[];
  paths: { path: string; what: string; source: string }[];
  fileNames: { name: string; what: string; source: string }[];
  nativeImports: { module: string; entry: string; what: string; source: string }[];
  registrations: { name: string; factory: string; assemblyFile: string; what: string; source: string }[];
}

export interface CheckText {
  title: string;
  severity: Severity;
  confidence: Confidence;
  why: string;
  playbook: string[];
  falsepositives: string[];
}

export type CheckId =
  | 'ioc-match' | 'impersonation' | 'unknown-agent' | 'factory-missing' | 'dll-missing' | 'dll-not-collected'
  | 'not-dotnet' | 'unsigned' | 'bad-signature' | 'untrusted-signer' | 'signer-mismatch' | 'suspicious-path'
  | 'unc-or-relative-path' | 'duplicate-agent' | 'service-mismatch' | 'pipeline-unregistered' | 'baseline-change' | 'not-default';

export const CHECK_IDS: readonly CheckId[] = [
  'ioc-match', 'impersonation', 'unknown-agent', 'factory-missing', 'dll-missing', 'dll-not-collected',
  'not-dotnet', 'unsigned', 'bad-signature', 'untrusted-signer', 'signer-mismatch', 'suspicious-path',
  'unc-or-relative-path', 'duplicate-agent', 'service-mismatch', 'pipeline-unregistered', 'baseline-change', 'not-default',
];

class DataError extends Error {}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function reader(file: string) {
  const fail = (where: string, msg: string): never => { throw new DataError(`${file}: ${where}: ${msg}`); };
  const str = (o: Obj, k: string, where: string): string => (typeof o[k] === 'string' && o[k] !== '' ? o[k] as string : fail(where, `'${k}' must be a non-empty string`));
  const optStr = (o: Obj, k: string, where: string): string | null => (o[k] === undefined || o[k] === null ? null : str(o, k, where));
  const strs = (o: Obj, k: string, where: string): string[] => {
    const v = o[k] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(where, `'${k}' must be a list of strings`);
    return v as string[];
  };
  const list = (o: Obj, k: string): Obj[] => {
    const v = o[k];
    if (!Array.isArray(v) || v.some((x) => !isObj(x))) fail(k, 'must be a list of mappings');
    return v as Obj[];
  };
  return { fail, str, optStr, strs, list };
}

export function loadYaml(rel: string): { file: string; doc: Obj } {
  const file = join(packageRoot(), rel);
  const doc: unknown = parse(readFileSync(file, 'utf8'));
  if (!isObj(doc)) throw new DataError(`${file}: not a mapping`);
  return { file, doc };
}

const ROLES: ServerRole[] = ['Mailbox', 'Edge'];
const PRODUCTS: Product[] = ['2013', '2016', '2019', 'SE'];

export function parseCatalogue(doc: Obj, file: string): Catalogue {
  const r = reader(file);
  const roles = (o: Obj, k: string, where: string): ServerRole[] => {
    const v = r.strs(o, k, where);
    for (const x of v) if (!ROLES.includes(x as ServerRole)) r.fail(where, `unknown role '${x}'`);
    return v as ServerRole[];
  };
  const versions = r.list(doc, 'versions').map((v, i) => {
    const product = r.str(v, 'product', `versions[${i}]`) as Product;
    if (!PRODUCTS.includes(product)) r.fail(`versions[${i}]`, `unknown product '${product}'`);
    return { product, major: Number(v['major']), minor: Number(v['minor']), ...(v['belowBuild'] !== undefined ? { belowBuild: Number(v['belowBuild']) } : {}), ...(v['fromBuild'] !== undefined ? { fromBuild: Number(v['fromBuild']) } : {}) };
  });
  const microsoft = r.list(doc, 'microsoft').map((a, i): MicrosoftAgent => {
    const where = `microsoft[${i}]`;
    const pri = a['priority'] ?? {};
    if (!isObj(pri)) r.fail(where, "'priority' must be a mapping");
    const priority: Partial<Record<Product, number>> = {};
    for (const [k, v] of Object.entries(pri as Obj)) {
      if (!PRODUCTS.includes(k as Product) || typeof v !== 'number') r.fail(where, `bad priority entry '${k}'`);
      priority[k as Product] = v as number;
    }
    const sources = r.strs(a, 'sources', where);
    if (sources.length === 0) r.fail(where, 'every entry needs a source');
    return { name: r.str(a, 'name', where), factory: r.optStr(a, 'factory', where), assembly: r.optStr(a, 'assembly', where), baseType: r.optStr(a, 'baseType', where), roles: roles(a, 'roles', where), optional: roles(a, 'optional', where), priority, sources };
  });
  const vendors = r.list(doc, 'vendors').map((v, i): VendorAgent => {
    const where = `vendors[${i}]`;
    const pat = r.optStr(v, 'namePattern', where);
    const sources = r.strs(v, 'sources', where);
    if (sources.length === 0) r.fail(where, 'every entry needs a source');
    return { vendor: r.str(v, 'vendor', where), names: r.strs(v, 'names', where), namePattern: pat ? new RegExp(pat, 'i') : null, factories: r.strs(v, 'factories', where), assemblyFile: r.optStr(v, 'assemblyFile', where), signer: r.optStr(v, 'signer', where), confidence: r.str(v, 'confidence', where), sources };
  });
  return { versions, microsoft, internal: r.strs(doc, 'internal', 'internal'), microsoftSigner: r.str(doc, 'microsoftSigner', 'microsoftSigner'), vendors };
}

export function parseIocs(doc: Obj, file: string): Iocs {
  const r = reader(file);
  const hex = (o: Obj, k: string, len: number, where: string) => {
    const v = r.optStr(o, k, where);
    if (v !== null && !new RegExp(`^[0-9a-f]{${len}}$`).test(v)) r.fail(where, `'${k}' must be ${len} lower-case hex digits`);
    return v;
  };
  const hashes = r.list(doc, 'hashes').map((h, i) => {
    const where = `hashes[${i}]`;
    for (const key of Object.keys(h)) if (!['sha256', 'sha1', 'md5', 'what', 'source'].includes(key)) r.fail(where, `unknown key '${key}'`);
    const sha256 = hex(h, 'sha256', 64, where), sha1 = hex(h, 'sha1', 40, where), md5 = hex(h, 'md5', 32, where);
    if (!sha256 && !sha1 && !md5) r.fail(where, 'needs a hash');
    return { ...(sha256 ? { sha256 } : {}), ...(sha1 ? { sha1 } : {}), ...(md5 ? { md5 } : {}), what: r.str(h, 'what', where), source: r.str(h, 'source', where) };
  });
  const simple = <K extends string>(k: string, keys: K[]) => r.list(doc, k).map((e, i) => {
    const o: Record<string, string> = {};
    const known = [...keys, 'what', 'source'];
    for (const key of known) o[key] = r.str(e, key, `${k}[${i}]`);
    // An unquoted comma in a flow mapping silently splits a value into a stray key.
    for (const key of Object.keys(e)) if (!known.includes(key)) r.fail(`${k}[${i}]`, `unknown key '${key}'`);
    return o as Record<K | 'what' | 'source', string>;
  });
  return {
    hashes,
    paths: simple('paths', ['path']),
    fileNames: simple('fileNames', ['name']),
    nativeImports: simple('nativeImports', ['module', 'entry']),
    registrations: simple('registrations', ['name', 'factory', 'assemblyFile']),
  };
}

export function parseCheckTexts<C extends string = CheckId>(doc: Obj, file: string, ids: readonly C[] = CHECK_IDS as readonly C[]): Record<C, CheckText> {
  const r = reader(file);
  const checks = doc['checks'];
  if (!isObj(checks)) r.fail('checks', 'must be a mapping');
  const out = {} as Record<C, CheckText>;
  const sev = ['informational', 'low', 'medium', 'high', 'critical'];
  for (const id of ids) {
    const c = (checks as Obj)[id];
    if (!isObj(c)) r.fail(`checks.${id}`, 'missing');
    const o = c as Obj;
    const severity = r.str(o, 'severity', id), confidence = r.str(o, 'confidence', id);
    if (!sev.includes(severity)) r.fail(id, `bad severity '${severity}'`);
    if (!['low', 'medium', 'high'].includes(confidence)) r.fail(id, `bad confidence '${confidence}'`);
    out[id] = { title: r.str(o, 'title', id), severity: severity as Severity, confidence: confidence as Confidence, why: r.str(o, 'why', id), playbook: r.strs(o, 'playbook', id), falsepositives: r.strs(o, 'falsepositives', id) };
  }
  for (const k of Object.keys(checks as Obj)) if (!ids.includes(k as C)) r.fail(`checks.${k}`, 'not a check the audit knows');
  return out;
}

let cache: { catalogue: Catalogue; iocs: Iocs; checks: Record<CheckId, CheckText> } | undefined;

/** The bundled catalogue, indicators and check texts (read once). */
export function auditData(): { catalogue: Catalogue; iocs: Iocs; checks: Record<CheckId, CheckText> } {
  if (cache) return cache;
  const c = loadYaml('data/exchange-agents.yaml');
  const i = loadYaml('data/ioc/t1505.002.yaml');
  const k = loadYaml('data/audit-checks.yaml');
  cache = { catalogue: parseCatalogue(c.doc, c.file), iocs: parseIocs(i.doc, i.file), checks: parseCheckTexts(k.doc, k.file) };
  return cache;
}

/** Exchange product from an AdminDisplayVersion-like string ("Version 15.2 (Build 1118.7)", "15.02.1118.007"). */
export function productOf(cat: Catalogue, version: string): Product | null {
  const m = /(\d+)\.0*(\d+)(?:\s*\(Build\s+(\d+)|\.0*(\d+))?/i.exec(version);
  if (!m) return null;
  const major = Number(m[1]), minor = Number(m[2]);
  const build = m[3] ?? m[4];
  for (const v of cat.versions) {
    if (v.major !== major || v.minor !== minor) continue;
    if (build !== undefined && v.belowBuild !== undefined && Number(build) >= v.belowBuild) continue;
    if (build !== undefined && v.fromBuild !== undefined && Number(build) < v.fromBuild) continue;
    if (build === undefined && v.fromBuild !== undefined) continue;
    return v.product;
  }
  return null;
}
