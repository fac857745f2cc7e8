// One collected DLL: hashes, PE headers, version resource, .NET metadata and Authenticode verdict.
// Each layer that fails is recorded with its reason; the others are still reported.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { MAX_PE_BYTES, PeError, readPeFile, type PeImage } from '../sources/pe/pe.js';
import { readDotNet, type DotNetInfo } from '../sources/pe/dotnet.js';
import { readVersionInfo, type VersionInfo } from '../sources/pe/version-resource.js';
import { verifyAuthenticode, type AuthenticodeResult } from '../sources/pe/authenticode.js';
import { readDotNetStrings } from '../sources/pe/dotnet-strings.js';
import { agentTargets, type AgentTargets } from './targets.js';

export interface DllReport {
  /** the collected file as shown to the user */
  file: string;
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
  /** why the PE headers could not be read (then nothing below is known) */
  peError: string | null;
  dotnet: DotNetInfo | null;
  dotnetError: string | null;
  version: VersionInfo | null;
  signature: AuthenticodeResult | null;
  /** e-mail addresses, domains, regexes, paths, URLs and IPs in its user strings and resources */
  targets: AgentTargets | null;
}

const where = (e: unknown) => (e instanceof PeError ? `${e.message} (offset ${e.offset})` : (e as Error).message);

export async function analyseDll(path: string, name: string, trustedRoots: readonly Uint8Array[]): Promise<DllReport> {
  let pe: PeImage;
  try {
    pe = readPeFile(path);
  } catch (e) {
    if (!(e instanceof PeError)) throw e;
    // Hashes of what could be read still identify the file for indicators.
    const size = statSync(path).size;
    const bytes = size <= MAX_PE_BYTES ? readFileSync(path) : Buffer.alloc(0);
    return { file: name, size, ...hashes(bytes), peError: where(e), dotnet: null, dotnetError: null, version: null, signature: null, targets: null };
  }
  const r: DllReport = { file: name, size: pe.bytes.length, ...hashes(pe.bytes), peError: null, dotnet: null, dotnetError: null, version: null, signature: null, targets: null };
  try { r.dotnet = readDotNet(pe); } catch (e) { r.dotnetError = where(e); }
  if (r.dotnet) {
    try {
      const strings = readDotNetStrings(pe);
      r.targets = strings ? agentTargets(strings) : null;
    } catch (e) { if (!(e instanceof PeError)) throw e; } // the metadata opened once already; a second failure adds nothing
  }
  try { r.version = readVersionInfo(pe); } catch { r.version = null; }
  r.signature = await verifyAuthenticode(pe, trustedRoots);
  return r;
}

function hashes(b: Uint8Array): { sha256: string; sha1: string; md5: string } {
  return {
    sha256: createHash('sha256').update(b).digest('hex'),
    sha1: createHash('sha1').update(b).digest('hex'),
    md5: createHash('md5').update(b).digest('hex'),
  };
}
