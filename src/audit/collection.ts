// An evidence collection from one Exchange server, gathered file by file: agent lists (agents.config,
// fetagents.config, Get-TransportAgent exports), pipeline listings, the server description, the
// file manifest (paths, times, hashes) and the agent DLLs. Files are recognised by content.
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { looksLikePe } from '../sources/pe/pe.js';
import { decodeText } from '../sources/exchange/xml.js';
import { looksLikeAgentsConfig, parseAgentsConfig } from '../sources/exchange/agents-config.js';
import { parseTransportAgentExport, parseTransportPipelineExport, serviceFromName, sniffCmdletExport } from '../sources/exchange/cmdlet-export.js';
import { ExchangeInputError, type AgentRegistry, type SourceRef, type TransportPipeline } from '../sources/exchange/model.js';
import { analyseDll, type DllReport } from './dll.js';
import { csvRecordsOfText } from '../sources/csv/reader.js';
import type { ServerRole } from './catalogue.js';

/** Text evidence (configs, exports, manifests) above this size is not read. */
export const MAX_TEXT_BYTES = 16 * 1024 * 1024;
const HEAD_BYTES = 64 * 1024;

export interface ServerInfo {
  name: string | null;
  roles: ServerRole[];
  /** AdminDisplayVersion or ExSetup's file version */
  version: string | null;
  /** the install root (MsiInstallPath), with a trailing backslash */
  installPath: string | null;
  ref: SourceRef;
}

export interface ManifestEntry {
  /** Windows path on the server */
  path: string;
  exists: boolean;
  length: number | null;
  created: string | null;
  modified: string | null;
  sha256: string | null;
  ref: SourceRef;
}

export interface Collection {
  registries: AgentRegistry[];
  pipelines: TransportPipeline[];
  servers: ServerInfo[];
  manifest: ManifestEntry[];
  dlls: DllReport[];
  /** files that looked like audit evidence but could not be read: file, line and why */
  problems: { file: string; line?: number; message: string }[];
}

export type AuditFileKind = 'agents-config' | 'transport-agents' | 'transport-pipeline' | 'server-info' | 'file-manifest' | 'pe';

function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.allocUnsafe(HEAD_BYTES);
    const n = readSync(fd, b, 0, HEAD_BYTES, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const SERVER_KEYS = ['AdminDisplayVersion', 'ExSetupVersion'];
const MANIFEST_PATH = ['FullName', 'Path'];
const MANIFEST_HASH = ['SHA256', 'Hash'];

function firstLine(text: string): string {
  const s = text.replace(/^#TYPE[^\n]*\n/, '');
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).replace(/\r$/, '');
}

/** What kind of audit evidence the bytes are, or null (then the file is someone else's business). */
export function classifyAuditFile(head: Uint8Array): AuditFileKind | null {
  if (looksLikePe(head)) return 'pe';
  let text: string;
  try { text = decodeText(head); } catch { return null; }
  text = text.trimStart();
  // A DOCTYPE is recognised here so that the parser can refuse it by name (entity expansion).
  if (looksLikeAgentsConfig(text.replace(/<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>\s*/, ''))) return 'agents-config';
  const sniff = sniffCmdletExport(text);
  if (sniff) return sniff.kind;
  if (text.startsWith('{') && SERVER_KEYS.some((k) => new RegExp(`"${k}"\\s*:`).test(text))) return 'server-info';
  const cols = firstLine(text).split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  if (cols.some((c) => MANIFEST_PATH.includes(c)) && cols.some((c) => MANIFEST_HASH.includes(c))) return 'file-manifest';
  return null;
}

function parseRoles(v: string): ServerRole[] {
  const out: ServerRole[] = [];
  if (/mailbox|hub/i.test(v)) out.push('Mailbox');
  if (/edge/i.test(v)) out.push('Edge');
  return out;
}

function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    // ConvertTo-Json renders some Exchange types as objects; their text form is what an admin sees.
    for (const k of ['value', 'Value', 'Name', 'ToString']) if (typeof (v as Record<string, unknown>)[k] === 'string') return (v as Record<string, string>)[k]!;
  }
  return null;
}

export function parseServerInfo(text: string, file: string): ServerInfo {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { throw new ExchangeInputError(file, `not valid JSON: ${(e as Error).message}`); }
  if (Array.isArray(doc)) doc = doc[0];
  if (!doc || typeof doc !== 'object') throw new ExchangeInputError(file, 'expected a JSON object describing the server');
  const o = doc as Record<string, unknown>;
  let installPath = str(o['InstallPath']) ?? str(o['MsiInstallPath']);
  if (installPath && !installPath.endsWith('\\')) installPath += '\\';
  return {
    // Event logs name the computer by its FQDN, so findings of both kinds share the host.
    name: str(o['Fqdn']) ?? str(o['Name']),
    roles: parseRoles(str(o['ServerRole']) ?? ''),
    version: str(o['AdminDisplayVersion']) ?? str(o['ExSetupVersion']),
    installPath,
    ref: { file },
  };
}

const TRUE = /^(true|1|yes)$/i;

export function parseManifest(text: string, file: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  // Export-Csv of Windows PowerShell starts with a #TYPE line; it is blanked, not removed, so lines keep their numbers.
  for (const r of csvRecordsOfText(text.replace(/^#TYPE[^\n]*/, ''))) {
    if (r.kind === 'header') continue;
    if (r.kind === 'error') throw new ExchangeInputError(file, r.message, r.line);
    const path = r.value['FullName'] ?? r.value['Path'] ?? '';
    if (path === '') throw new ExchangeInputError(file, 'row without a FullName/Path', r.line);
    const sha = (r.value['SHA256'] ?? r.value['Hash'] ?? '').trim().toLowerCase();
    if (sha !== '' && !/^[0-9a-f]{64}$/.test(sha)) throw new ExchangeInputError(file, `SHA256 '${sha.slice(0, 80)}' is not 64 hex digits`, r.line);
    const len = r.value['Length'];
    const exists = r.value['Exists'];
    out.push({
      path,
      exists: exists === undefined || exists === '' ? true : TRUE.test(exists.trim()),
      length: len !== undefined && /^\d+$/.test(len.trim()) ? Number(len) : null,
      created: r.value['CreationTimeUtc']?.trim() || null,
      modified: r.value['LastWriteTimeUtc']?.trim() || null,
      sha256: sha || null,
      ref: { file, line: r.line },
    });
  }
  return out;
}

export class CollectionBuilder {
  readonly collection: Collection = { registries: [], pipelines: [], servers: [], manifest: [], dlls: [], problems: [] };

  constructor(private readonly trustedRoots: readonly Uint8Array[]) {}

  /**
   * Reads `path` (shown as `name`) when it is audit evidence; false when it is not (the caller then
   * treats it as event evidence or skips it). Unreadable audit files become problems, never throws.
   */
  async add(path: string, name = path): Promise<boolean> {
    let kind: AuditFileKind | null;
    try { kind = classifyAuditFile(readHead(path)); } catch { return false; }
    if (kind === null) return false;
    const c = this.collection;
    try {
      if (kind === 'pe') { c.dlls.push(await analyseDll(path, name, this.trustedRoots)); return true; }
      const size = statSync(path).size;
      if (size > MAX_TEXT_BYTES) throw new ExchangeInputError(name, `${size} bytes is more than the ${MAX_TEXT_BYTES}-byte limit for configuration and export files`);
      const text = decodeText(readFileSync(path));
      if (kind === 'agents-config') c.registries.push(parseAgentsConfig(text, name));
      else if (kind === 'transport-agents') c.registries.push(parseTransportAgentExport(text, name, serviceFromName(name)));
      else if (kind === 'transport-pipeline') c.pipelines.push(parseTransportPipelineExport(text, name));
      else if (kind === 'server-info') c.servers.push(parseServerInfo(text, name));
      else c.manifest.push(...parseManifest(text, name));
    } catch (e) {
      if (e instanceof ExchangeInputError) c.problems.push({ file: e.file, ...(e.line !== undefined ? { line: e.line } : {}), message: e.reason });
      else if (e instanceof Error && 'line' in e && typeof (e as { line: unknown }).line === 'number') c.problems.push({ file: name, line: (e as { line: number }).line, message: e.message });
      else c.problems.push({ file: name, message: (e as Error).message });
    }
    return true;
  }
}
