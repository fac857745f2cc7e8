// Web UI latency: a case store of 10,000 synthetic findings, 1,000 `/api/findings` requests from a
// local client (keep-alive, one at a time, a mix of filters and pages); prints p50/p95/p99.
// Goal: p95 under 100 ms (printed, not asserted). Run: node --import tsx bench/web.ts
import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openCaseStore } from '../src/cases/store.js';
import { startServer } from '../src/web/server.js';
import type { Finding, Severity } from '../src/findings/model.js';

const SEVS: Severity[] = ['informational', 'low', 'medium', 'high', 'critical'];

function synthetic(i: number): Finding {
  const t = new Date(Date.UTC(2026, 9, 1) + i * 97_000).toISOString();
  const severity = SEVS[i % 5]!;
  return {
    id: `bench${i.toString(16).padStart(11, '0')}`, title: `Synthetic finding ${i}: transport agent activity`, severity, confidence: 'medium', techniques: ['T1505.002'],
    host: `EXCH${String(i % 40).padStart(2, '0')}.corp.example`, first_seen: t, last_seen: t, count: 1 + (i % 7),
    evidence: [{ file: `/evidence/host${i % 40}/Sysmon.jsonl`, kind: 'json', line: i }], fields: { Image: `C:\\Program Files\\x\\${i}.exe`, CommandLine: `x.exe /i ${i}` },
    rule_id: `rule-${i % 25}`, falsepositives: ['vendor agents'], references: [], score: 10 + (i % 90), playbook: [{ id: 'l1-verify', title: 'Verify', text: 'Verify.' }],
  };
}

function get(agent: Agent, port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    r.on('error', reject);
    r.end();
  });
}

export async function webBench(n = 10_000, requests = 1_000): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tracehound-webbench-'));
  try {
    const db = join(dir, 'cases.db');
    const s = openCaseStore(db);
    const h = s.beginHunt({ toolVersion: 'bench', commandLine: ['bench'] });
    s.recordFindings(h, Array.from({ length: n }, (_, i) => synthetic(i)));
    s.finishHunt(h, { findings: n });
    s.close();
    const web = await startServer({ db, port: 0, analyst: 'bench' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const queries = ['', '?severity=high', '?host=EXCH07', '?rule=rule-3', '?state=new&page=3', '?from=2026-10-05&to=2026-10-09', '?severity=medium&page=20', '?per_page=200'];
    for (let i = 0; i < 20; i++) await get(agent, web.port, `/api/findings${queries[i % queries.length]}`, web.token);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = process.hrtime.bigint();
      const st = await get(agent, web.port, `/api/findings${queries[i % queries.length]}`, web.token);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (st !== 200) throw new Error(`status ${st}`);
    }
    agent.destroy();
    await web.close();
    times.sort((a, b) => a - b);
    const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
    console.log(`web /api/findings over ${n.toLocaleString('en')} findings, ${requests} requests (filters and pages mixed): p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms, max ${times.at(-1)!.toFixed(1)} ms (goal p95 < 100 ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  webBench().catch((e) => { console.error(e); process.exit(1); });
}
