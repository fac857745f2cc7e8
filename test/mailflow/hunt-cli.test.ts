// `tracehound hunt` with message tracking logs: the mail-flow findings, --org-domain, the summary line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-mailflow-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1', TRACEHOUND_HOME: join(tmp, 'home') } });
  assert.equal(r.error, undefined);
  return r;
}

const FIX = 'rules/t1505.002/tests';

test('hunt over message tracking logs: vanished mail and Pickup replies as findings, with the playbook step; the summary names the domains', () => {
  const r = cli('hunt', `${FIX}/th_mailflow_message_vanished/positive/MSGTRK2024050608-1.LOG`, `${FIX}/th_mailflow_pickup_forged_outside/positive/MSGTRK2024050607-1.LOG`, '--no-db', '--format', 'jsonl', '--fail-on', 'high');
  assert.equal(r.status, 1, r.stderr);
  const findings = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { title: string; severity: string; count: number; playbook: { id: string }[] | null; fields: Record<string, unknown> });
  const vanished = findings.filter((f) => f.title === 'Message Received and Then Lost Without Trace');
  assert.equal(vanished.length, 2, 'one finding per message (dedup by message-id)');
  assert.ok(vanished.every((f) => f.severity === 'high' && f.playbook?.[0]?.id === 't2-trace-mail'));
  assert.ok(findings.some((f) => f.title.startsWith('Pickup-Folder Message From an Internal Mailbox')));
  assert.match(r.stderr, /mail flow: \d+ messages assembled from \d+ tracking events \(2 vanished, 0 still in flight at the end of the logs\); organisation domains: contoso\.com/);
});

test('--org-domain: domains given are inside; a malformed one is a usage error', () => {
  // with fabrikam.example declared the organisation's own, mail to it is no longer outside
  const f = `${FIX}/th_mailflow_first_contact_domain/positive/MSGTRK2024050608-1.LOG`;
  const base = cli('hunt', f, '--no-db', '--format', 'jsonl', '--rules', 'rules/t1505.002/mailflow_first_contact_domain.yml');
  const own = cli('hunt', f, '--no-db', '--format', 'jsonl', '--rules', 'rules/t1505.002/mailflow_first_contact_domain.yml', '--org-domain', 'newpartner.example', '--org-domain', '@innovationmail.example');
  assert.equal(base.status, 0, base.stderr);
  assert.equal(own.status, 0, own.stderr);
  assert.equal(base.stdout.trim().split('\n').length, 2);
  assert.equal(own.stdout.trim(), '');
  assert.match(own.stderr, /organisation domains: newpartner\.example, innovationmail\.example, contoso\.com/);
  const bad = cli('hunt', f, '--no-db', '--org-domain', 'not a domain');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--org-domain: 'not a domain' is not a domain name/);
});
