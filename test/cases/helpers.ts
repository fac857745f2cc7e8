// Shared pieces of the case store tests: temporary folders, findings, the CLI run in-process.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../src/findings/model.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const temps: string[] = [];
process.on('exit', () => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

/** A temporary folder removed when the process exits. */
export function tempDir(prefix = 'th-cases-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** Hunts run by a test record into the case store: never into the real home. */
export function isolateHome(): string {
  const home = tempDir('th-home-');
  process.env['TRACEHOUND_HOME'] = home;
  return home;
}

export function makeFinding(id: string, over: Partial<Finding> = {}): Finding {
  return {
    id, title: `Finding ${id}`, severity: 'high', confidence: 'medium', techniques: ['T1505.002'], host: 'EXCH01.corp.example',
    first_seen: '2026-11-02T09:00:00.000Z', last_seen: '2026-11-02T10:00:00.000Z', count: 1,
    evidence: [{ file: 'e.jsonl', kind: 'jsonl', line: 1 }], fields: { CommandLine: 'Install-TransportAgent' },
    rule_id: 'rule-a', falsepositives: [], references: [], score: 64, playbook: null,
    ...over,
  };
}

/**
 * `tracehound ARGS` in this process; standard error captured. Records go to `--out` (a temporary
 * file, read back as `out`) unless the arguments name one or `noOut` is set.
 */
export async function cli(args: string[], opts: { noOut?: boolean } = {}): Promise<{ code: number; stderr: string; out: string }> {
  const { main } = await import('../../src/cli/main.js');
  const outFile = !opts.noOut && !args.includes('--out') ? join(tempDir('th-out-'), 'out') : null;
  const all = outFile ? [...args, '--out', outFile] : args;
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += String(chunk); return true; }) as typeof process.stderr.write;
  let code: number;
  try { code = await main(all); } finally { process.stderr.write = write; }
  let out = '';
  if (outFile) { try { out = readFileSync(outFile, 'utf8'); } catch { /* nothing written */ } }
  return { code, stderr, out };
}

export function jsonLines<T = Record<string, unknown>>(s: string): T[] {
  return s.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}
