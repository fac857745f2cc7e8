// Shared by the web tests: a case store seeded with findings (one with hostile evidence), and a
// raw HTTP client (node:http, so Host, Origin and paths are sent exactly as written).
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaseStore } from '../../src/cases/store.js';
import type { Finding } from '../../src/findings/model.js';

export const HOSTILE = {
  script: '<script>alert(1)</script>',
  img: '"><img src=x onerror=alert(2)>',
  js: 'javascript:alert(3)',
  rlo: 'evil\u202Efdp.exe',
};

export function hostileFinding(): Finding {
  return {
    id: 'f00dbad0c0ffee01', title: `Hostile ${HOSTILE.script} title`, severity: 'critical', confidence: 'high', techniques: ['T1505.002'],
    host: `EXCH01${HOSTILE.img}`, first_seen: '2026-11-10T10:00:00.000Z', last_seen: '2026-11-10T11:00:00.000Z', count: 2,
    evidence: [{ file: `C:\\evidence\\${HOSTILE.rlo}${HOSTILE.script}.jsonl`, kind: 'json', line: 3 }],
    fields: { CommandLine: `cmd.exe /c ${HOSTILE.img} ${HOSTILE.rlo}`, Image: HOSTILE.script },
    rule_id: 'rule-hostile', description: `Why: ${HOSTILE.script}`, falsepositives: [HOSTILE.img], references: [HOSTILE.js, 'https://example.org/ok'],
    score: 100, playbook: [{ id: 'l1-verify', title: 'Verify the agent', text: 'Look at it.' }, { id: 'l1-escalate', title: `Escalate ${HOSTILE.script}`, text: 'Call T2.' }],
  };
}

export function plainFinding(i: number, severity: Finding['severity'] = 'medium'): Finding {
  const t = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
  return {
    id: `synthetic${String(i).padStart(7, '0')}`, title: `Synthetic finding ${i}`, severity, confidence: 'medium', techniques: ['T1505.002'],
    host: `HOST${i % 20}`, first_seen: t, last_seen: t, count: 1, evidence: [{ file: `/e/${i}.jsonl`, kind: 'json', line: i }],
    fields: { Image: `C:\\x\\${i}.exe` }, rule_id: `rule-${i % 30}`, falsepositives: [], references: [], score: 50,
    playbook: [{ id: 'l1-verify', title: 'Verify', text: 'Verify it.' }],
  };
}

/** A temporary case store holding `findings` from one complete hunt; returns its path. */
export function seedStore(findings: Finding[], dir = mkdtempSync(join(tmpdir(), 'tracehound-web-'))): string {
  const path = join(dir, 'cases.db');
  const s = openCaseStore(path);
  const h = s.beginHunt({ toolVersion: 'test', commandLine: ['hunt', 'seed'] });
  s.recordFindings(h, findings);
  s.finishHunt(h, { findings: findings.length });
  s.close();
  return path;
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

export function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    r.on('error', reject);
    if (body !== undefined) r.write(body);
    r.end();
  });
}
