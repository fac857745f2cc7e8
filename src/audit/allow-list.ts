// The user's allow-list of agents known to be legitimate on their servers (YAML), e.g.
//   agents:
//     - name: Contoso Disclaimer Agent
//       factory: Contoso.Mail.DisclaimerAgentFactory       # optional: must match when given
//       assemblyPath: D:\Contoso\Agents\Disclaimer.dll       # optional: must match when given
//       sha256: 3f…                                         # optional: a different DLL hash is reported
//       note: installed by change CHG-1234
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

export interface AllowEntry {
  name: string;
  factory?: string;
  assemblyPath?: string;
  sha256?: string;
  note?: string;
  line: number;
}

export class AllowListError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly line?: number) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
  }
}

const MAX_ALLOW_BYTES = 4 * 1024 * 1024;
const KEYS = ['name', 'factory', 'assemblyPath', 'sha256', 'note'] as const;

export function parseAllowList(text: string, file: string): AllowEntry[] {
  if (text.length > MAX_ALLOW_BYTES) throw new AllowListError(file, `larger than ${MAX_ALLOW_BYTES} bytes`);
  const doc = parseDocument(text, { prettyErrors: false });
  const lineOf = (offset: number | undefined) => (offset === undefined ? undefined : text.slice(0, offset).split('\n').length);
  if (doc.errors.length) throw new AllowListError(file, `not valid YAML: ${doc.errors[0]!.message}`, lineOf(doc.errors[0]!.pos[0]));
  const root: unknown = doc.toJS({ maxAliasCount: 50 });
  const list = root && typeof root === 'object' && !Array.isArray(root) ? (root as Record<string, unknown>)['agents'] : undefined;
  if (!Array.isArray(list)) throw new AllowListError(file, "expected a mapping with an 'agents' list");
  const seq = doc.get('agents', true) as { items?: { range?: [number, number, number] }[] } | undefined;
  return list.map((e: unknown, i: number) => {
    const line = lineOf(seq?.items?.[i]?.range?.[0]) ?? 1;
    if (!e || typeof e !== 'object' || Array.isArray(e)) throw new AllowListError(file, `agents[${i}] must be a mapping`, line);
    const o = e as Record<string, unknown>;
    const out: AllowEntry = { name: '', line };
    for (const k of KEYS) {
      const v = o[k];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' || v === '') throw new AllowListError(file, `agents[${i}].${k} must be a non-empty string`, line);
      out[k] = v;
    }
    for (const k of Object.keys(o)) if (!(KEYS as readonly string[]).includes(k)) throw new AllowListError(file, `agents[${i}]: unknown key '${k}'`, line);
    if (!out.name) throw new AllowListError(file, `agents[${i}] needs a name`, line);
    if (out.sha256 && !/^[0-9a-fA-F]{64}$/.test(out.sha256)) throw new AllowListError(file, `agents[${i}].sha256 is not 64 hex digits`, line);
    return out;
  });
}

export function readAllowList(file: string): AllowEntry[] {
  return parseAllowList(readFileSync(file, 'utf8'), file);
}
