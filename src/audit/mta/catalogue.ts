// The known mail-filter programs, suspicious locations and Postfix defaults (data/mta-hooks.yaml),
// and the mail-server audit's check texts (data/mta-checks.yaml), read once and checked on load.
import { isObj, loadYaml, parseCheckTexts, reader, type CheckText, type Obj } from '../catalogue.js';

export interface KnownTool {
  tool: string;
  package: string;
  programs: string[];
  sockets: RegExp[];
  transports: RegExp[];
  processes: string[];
  sources: string[];
}

export interface MtaCatalogue {
  known: KnownTool[];
  suspiciousPaths: { pattern: RegExp; what: string }[];
  postfixDefaults: Record<string, string>;
}

export type MtaCheckId = 'mta-known-hook' | 'mta-packaged-hook' | 'mta-unknown-hook' | 'mta-suspicious-hook' | 'mta-copy-outside' | 'mta-copy-inside' | 'mta-copy-unknown-org' | 'mta-baseline-change';
export const MTA_CHECK_IDS: readonly MtaCheckId[] = ['mta-known-hook', 'mta-packaged-hook', 'mta-unknown-hook', 'mta-suspicious-hook', 'mta-copy-outside', 'mta-copy-inside', 'mta-copy-unknown-org', 'mta-baseline-change'];

export function parseMtaCatalogue(doc: Obj, file: string): MtaCatalogue {
  const r = reader(file);
  const regex = (s: string, where: string) => { try { return new RegExp(s, 'i'); } catch (e) { return r.fail(where, `bad regular expression: ${(e as Error).message}`); } };
  const known = r.list(doc, 'known').map((k, i): KnownTool => {
    const where = `known[${i}]`;
    const sources = r.strs(k, 'sources', where);
    if (sources.length === 0) r.fail(where, 'every entry needs a source');
    for (const key of Object.keys(k)) if (!['tool', 'package', 'programs', 'sockets', 'transports', 'processes', 'sources'].includes(key)) r.fail(where, `unknown key '${key}'`);
    return { tool: r.str(k, 'tool', where), package: r.str(k, 'package', where), programs: r.strs(k, 'programs', where), sockets: r.strs(k, 'sockets', where).map((s) => regex(s, where)), transports: r.strs(k, 'transports', where).map((s) => regex(s, where)), processes: r.strs(k, 'processes', where), sources };
  });
  const suspiciousPaths = r.list(doc, 'suspiciousPaths').map((p, i) => ({ pattern: regex(r.str(p, 'pattern', `suspiciousPaths[${i}]`), `suspiciousPaths[${i}]`), what: r.str(p, 'what', `suspiciousPaths[${i}]`) }));
  const d = doc['postfixDefaults'];
  if (!isObj(d) || Object.values(d).some((v) => typeof v !== 'string')) r.fail('postfixDefaults', 'must map names to strings');
  return { known, suspiciousPaths, postfixDefaults: d as Record<string, string> };
}

let cache: { catalogue: MtaCatalogue; checks: Record<MtaCheckId, CheckText> } | undefined;

export function mtaAuditData(): { catalogue: MtaCatalogue; checks: Record<MtaCheckId, CheckText> } {
  if (cache) return cache;
  const c = loadYaml('data/mta-hooks.yaml');
  const k = loadYaml('data/mta-checks.yaml');
  cache = { catalogue: parseMtaCatalogue(c.doc, c.file), checks: parseCheckTexts(k.doc, k.file, MTA_CHECK_IDS) };
  return cache;
}
