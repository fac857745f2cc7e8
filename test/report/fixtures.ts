// Shared by the report tests: hostile findings, a realistic finding, and the CLI run in a child process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding } from '../../src/findings/model.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A temporary folder removed when the process exits. */
export function tempDir(prefix = 'th-report-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** `tracehound ARGS` from the package root, with its own (empty) case store and no colour. */
export function cli(...args: string[]) {
  const home = tempDir('th-home-');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, NO_COLOR: '1', TRACEHOUND_HOME: home },
  });
  if (r.error) throw r.error;
  return r;
}

export const SCRIPT_TAG = '<script>alert(1)</script>';
export const IMG_ATTR = '"><img src=x onerror=alert(1)>';
export const JS_URL = 'javascript:alert(1)';
export const RLO = '\u202e';
/** Every C0 control character. */
export const CONTROLS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('');
export const MEGA = 1 << 20;

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: '0123456789abcdef', title: 'Exchange Transport Worker Starts a Shell or LOLBin', severity: 'critical', confidence: 'high',
    techniques: ['T1505.002'], host: 'EXCH01.corp.example', first_seen: '2026-11-02T13:07:19.402Z', last_seen: '2026-11-02T13:07:19.402Z',
    count: 1, evidence: [{ file: 'samples/demo-exchange01.jsonl', kind: 'jsonl', line: 9 }],
    fields: { ParentImage: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\EdgeTransport.exe', Image: 'C:\\Windows\\System32\\cmd.exe' },
    rule_id: 'c4e2a871-5b09-4d3e-96f7-1a8d0e5c3b24', falsepositives: ['None known'], references: ['https://attack.mitre.org/techniques/T1505/002/'],
    score: 100, playbook: null, description: 'A transport worker started a shell.',
    ...over,
  };
}

/** Findings whose every attacker-reachable value is hostile. */
export function hostileFindings(): Finding[] {
  const mega = 'powershell.exe -enc ' + 'A'.repeat(MEGA);
  return [
    finding({
      id: 'aaaaaaaaaaaaaaaa',
      title: `Hostile ${SCRIPT_TAG} title ${RLO}exe.txt`,
      host: `EXCH${IMG_ATTR}${RLO}01`,
      fields: {
        CommandLine: `cmd /c ${SCRIPT_TAG} ${IMG_ATTR} ${RLO}fdp.exe`,
        Controls: `ctl:${CONTROLS}:end`,
        Backticks: 'a ``` b ` c `` d | e',
        Data: ['Install-TransportAgent', IMG_ATTR, '', `x${RLO}y`],
        Nested: { a: [1, SCRIPT_TAG], b: null },
        [`Field${IMG_ATTR}`]: 'name is hostile too',
      },
      evidence: [{ file: `C:\\evidence\\${SCRIPT_TAG}${RLO}.evtx`, kind: 'evtx', record: 42, offset: 4096 }],
      falsepositives: [`An admin ${SCRIPT_TAG}`],
      references: [JS_URL, 'https://attack.mitre.org/techniques/T1505/002/', 'data:text/html,<script>alert(1)</script>', 'http://x.test/"onmouseover="alert(1)'],
      description: `Why ${IMG_ATTR} matters\n\n- item ${SCRIPT_TAG}\n- [link](${JS_URL})`,
      playbook: [{ id: 'step-1', title: `Step ${SCRIPT_TAG}`, text: `Do ${IMG_ATTR}`, phase: 'containment', commands: [`Disable-TransportAgent '${IMG_ATTR}'`, 'echo ```'] }],
      correlated_by: ['bbbbbbbbbbbbbbbb'],
    }),
    finding({
      id: 'bbbbbbbbbbbbbbbb', severity: 'high', score: 80, title: 'A huge command line', correlation: true,
      fields: { CommandLine: mega },
      first_seen: '2026-11-02T09:00:00.000Z', last_seen: '2026-11-02T12:00:00.000Z', count: 3,
    }),
    finding({ id: 'cccccccccccccccc', severity: 'medium', score: 40, title: 'No time, no host', first_seen: null, last_seen: null, host: null, evidence: [], fields: {}, references: [], falsepositives: [] }),
  ];
}
