// The audit's checks on collections without binaries (config files, cmdlet exports, manifests),
// the data files' integrity, and bad input in a collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCollection, auditCollection } from '../../src/audit/run.js';
import { auditData, productOf } from '../../src/audit/catalogue.js';
import { parseAllowList, AllowListError } from '../../src/audit/allow-list.js';
import { classifyAuditFile } from '../../src/audit/collection.js';
import { MAILBOX_2019, LIGHTNEURON_AGENT, ROOT, ROUTING, writeCollection, agentsConfigXml, transportAgentJson, type AgentEntry } from '../support/exchange-collection.js';
import { makeZip } from '../support/zip-writer.js';
import type { Finding } from '../../src/findings/model.js';
import { main } from '../../src/cli/main.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'th-checks-'));
const checks = (fs: Finding[]) => fs.map((f) => f.check).sort();
const show = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.check} ${f.title} :: ${(f.fields['reasons'] as string[]).join(' | ')}`).join('\n');

async function auditDir(dir: string) {
  const r = await readCollection([dir], []);
  return { read: r, ...auditCollection(r.collection) };
}

test('data files: every catalogue entry and indicator has a source; check texts are complete', () => {
  const { catalogue, iocs, checks: texts } = auditData();
  assert.ok(catalogue.microsoft.length >= 18);
  for (const a of catalogue.microsoft) assert.ok(a.sources.length > 0, a.name);
  for (const v of catalogue.vendors) assert.ok(v.sources.length > 0, v.vendor);
  assert.ok(iocs.hashes.length >= 10 && iocs.hashes.every((h) => /^S\d+$/.test(h.source)));
  assert.ok(iocs.paths.every((p) => p.what.length > 10 && !p.what.endsWith('(')), 'no value cut at a comma');
  for (const t of Object.values(texts)) assert.ok(t.playbook.length > 0 || t.title.includes('not in the collection') || t.severity !== 'critical');
  // Names and factories are unique among Microsoft agents (the audit looks them up by either).
  const names = catalogue.microsoft.map((a) => a.name.toLowerCase());
  assert.equal(new Set(names).size, names.length);
  const factories = catalogue.microsoft.flatMap((a) => (a.factory ? [a.factory] : []));
  assert.equal(new Set(factories).size, factories.length);
});

test('Exchange versions from AdminDisplayVersion and ExSetup file versions', () => {
  const { catalogue } = auditData();
  assert.equal(productOf(catalogue, 'Version 15.2 (Build 1118.7)'), '2019');
  assert.equal(productOf(catalogue, 'Version 15.2 (Build 2562.17)'), 'SE');
  assert.equal(productOf(catalogue, '15.01.2507.006'), '2016');
  assert.equal(productOf(catalogue, 'Version 15.0 (Build 1497.2)'), '2013');
  assert.equal(productOf(catalogue, 'Version 14.3 (Build 123.4)'), null);
});

test('paths, duplicates, missing DLLs, list mismatches and unknown pipeline agents', async () => {
  const dir = tmp();
  try {
    const unc: AgentEntry = { name: 'Share Agent', factory: 'X.ShareFactory', assemblyPath: '\\\\fileserver\\drop\\agent.dll', baseType: ROUTING };
    const rel: AgentEntry = { name: 'Relative Agent', factory: 'X.RelFactory', assemblyPath: '..\\agent.dll', baseType: ROUTING };
    const temp: AgentEntry = { name: 'Temp Agent', factory: 'X.TempFactory', assemblyPath: 'C:\\Users\\admin\\AppData\\Local\\Temp\\a.dll', baseType: ROUTING };
    const gone: AgentEntry = { name: 'Gone Agent', factory: 'X.GoneFactory', assemblyPath: 'C:\\Program Files\\Gone\\gone.dll', baseType: ROUTING };
    const agents = [...MAILBOX_2019, unc, rel, temp, gone, { ...MAILBOX_2019[0]!, name: 'Transport Rule Agent' }];
    writeCollection(dir, { role: 'Mailbox', agents, cmdlet: false, manifest: [{ path: gone.assemblyPath, exists: false }] });
    // The cmdlet export disagrees with the file: one agent fewer, one disabled.
    writeFileSync(join(dir, 'cmdlets', 'transport-agents.Hub.json'), transportAgentJson(agents.slice(0, 8).map((a, i) => (i === 1 ? { ...a, enabled: false } : a))));
    writeFileSync(join(dir, 'cmdlets', 'transport-pipeline.json'), JSON.stringify([{ Event: 'OnEndOfData', TransportAgents: 'Transport Rule Agent;Journal Agent;Shadow Agent' }]));
    const r = await auditDir(dir);
    const by = (name: string) => r.findings.filter((f) => f.title.includes(name)).map((f) => f.check).sort();
    assert.ok(by('Share Agent').includes('unc-or-relative-path'), show(r.findings));
    assert.ok(by('Relative Agent').includes('unc-or-relative-path'));
    assert.ok(by('Temp Agent').includes('suspicious-path'));
    assert.ok(by('Gone Agent').includes('dll-missing'));
    assert.ok(r.findings.some((f) => f.check === 'duplicate-agent' && f.title.includes('Transport Rule Agent')));
    const mismatch = r.findings.find((f) => f.check === 'service-mismatch');
    assert.ok(mismatch, show(r.findings));
    assert.match((mismatch.fields['reasons'] as string[]).join(' '), /Malware Agent' is (dis|en)abled in .* but (en|dis)abled/);
    const pipe = r.findings.filter((f) => f.check === 'pipeline-unregistered');
    assert.deepEqual(pipe.map((f) => f.fields['agent']), ['Shadow Agent'], 'Journal Agent is internal, Transport Rule Agent registered');
    for (const f of r.findings) {
      assert.ok(f.evidence.length > 0 && f.evidence.every((e) => e.file.startsWith(dir)), f.title);
      assert.ok(f.playbook && f.playbook.length > 0);
      assert.deepEqual(f.techniques, ['T1505.002']);
    }
    // Stable ids: the same collection gives the same finding ids.
    const again = await auditDir(dir);
    assert.deepEqual(again.findings.map((f) => f.id), r.findings.map((f) => f.id));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('without a server description the role and install root are inferred; LightNeuron still critical', async () => {
  const dir = tmp();
  try {
    writeCollection(dir, { agents: [...MAILBOX_2019, LIGHTNEURON_AGENT] });
    const r = await auditDir(dir);
    assert.equal(r.context.role, 'Mailbox');
    assert.equal(r.context.installRoot, ROOT);
    assert.ok(r.context.notes.some((n) => /inferred/.test(n)));
    const imp = r.findings.find((f) => f.check === 'impersonation');
    assert.equal(imp?.severity, 'critical', show(r.findings));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the allow-list silences a known agent; a YAML mistake names the file and line', async () => {
  const text = 'agents:\n  - name: Contoso Disclaimer\n    factory: Contoso.DisclaimerFactory\n  - name: Other\n    sha256: nothex\n';
  assert.throws(() => parseAllowList(text, 'allow.yaml'), (e: unknown) => e instanceof AllowListError && e.line === 4 && /sha256/.test(e.message));
  assert.throws(() => parseAllowList('agents: [', 'allow.yaml'), (e: unknown) => e instanceof AllowListError && /allow\.yaml/.test(e.message));
  const allow = parseAllowList('agents:\n  - name: Contoso Disclaimer\n    factory: Contoso.DisclaimerFactory\n', 'allow.yaml');
  const dir = tmp();
  try {
    const agent: AgentEntry = { name: 'Contoso Disclaimer', factory: 'Contoso.DisclaimerFactory', assemblyPath: 'C:\\Program Files\\Contoso\\Disclaimer.dll', baseType: ROUTING };
    writeCollection(dir, { role: 'Mailbox', agents: [...MAILBOX_2019, agent] });
    const { collection } = await readCollection([dir], []);
    assert.ok(auditCollection(collection).findings.some((f) => f.check === 'unknown-agent'));
    assert.ok(!auditCollection(collection, allow).findings.some((f) => f.check === 'unknown-agent'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('bad input in a collection is reported with file and line, and the rest is audited', async () => {
  const dir = tmp();
  try {
    writeCollection(dir, { role: 'Mailbox', agents: [...MAILBOX_2019, LIGHTNEURON_AGENT] });
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'agents.config'), '<configuration>\n  <mexRuntime>\n    <agentList>\n      <agent name="x"\n');
    writeFileSync(join(dir, 'broken', 'doctype.config'), '<?xml version="1.0"?>\n<!DOCTYPE configuration [<!ENTITY a "aaaa">]>\n<configuration><mexRuntime/></configuration>\n');
    writeFileSync(join(dir, 'broken', 'files.csv'), '"FullName","SHA256"\n"C:\\x.dll","zz"\n');
    const pe = Buffer.alloc(200); pe.write('MZ'); pe.writeUInt32LE(64, 0x3c); pe.write('PE\0\0', 64, 'latin1');
    writeFileSync(join(dir, 'broken', 'truncated.dll'), pe);
    const r = await auditDir(dir);
    const probs = r.read.collection.problems.map((p) => `${p.file}:${p.line ?? ''} ${p.message}`).join('\n');
    assert.match(probs, /broken\/agents\.config:\d+ /);
    assert.match(probs, /doctype\.config/);
    assert.match(probs, /files\.csv:2 .*SHA256/);
    assert.ok(r.read.collection.dlls.some((d) => d.peError && /truncated|offset/.test(d.peError)), 'a truncated PE is kept with its error');
    assert.ok(r.findings.some((f) => f.check === 'impersonation'), 'the good files are still audited');
    assert.ok(r.findings.some((f) => f.check === 'ioc-match' || f.check === 'not-dotnet'));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('audit reads the collection zip in place; hunt on a collection runs the audit', async () => {
  const dir = tmp();
  try {
    const coll = writeCollection(join(dir, 'c'), { role: 'Mailbox', agents: [...MAILBOX_2019, LIGHTNEURON_AGENT] });
    const zip = join(dir, 'EXCH01-transport.zip');
    writeFileSync(zip, makeZip([
      { name: 'EXCH01-transport/config/agents.config', data: readFileSync(join(coll, 'config', 'agents.config')) },
      { name: 'EXCH01-transport/server.json', data: readFileSync(join(coll, 'server.json')) },
    ]));
    const out = join(dir, 'audit.jsonl');
    assert.equal(await main(['audit', zip, '--format', 'jsonl', '--out', out, '--quiet', '--fail-on', 'critical']), 1);
    const fs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Finding);
    assert.ok(fs.some((f) => f.check === 'impersonation' && f.evidence[0]!.file.includes('.zip!EXCH01-transport/config/agents.config')));
    const hout = join(dir, 'hunt.jsonl');
    assert.equal(await main(['hunt', coll, '--format', 'jsonl', '--out', hout, '--quiet']), 0);
    const hf = readFileSync(hout, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Finding);
    assert.ok(hf.some((f) => f.check === 'impersonation'), 'hunt printed the audit findings');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('audit files are recognised by content, event evidence is not taken', () => {
  const b = (s: string) => Buffer.from(s, 'utf8');
  assert.equal(classifyAuditFile(b(agentsConfigXml(MAILBOX_2019))), 'agents-config');
  assert.equal(classifyAuditFile(b(transportAgentJson(MAILBOX_2019))), 'transport-agents');
  assert.equal(classifyAuditFile(b('{"Name":"EXCH01","AdminDisplayVersion":"Version 15.2 (Build 1118.7)"}')), 'server-info');
  assert.equal(classifyAuditFile(b('"FullName","Exists","SHA256"\r\n')), 'file-manifest');
  assert.equal(classifyAuditFile(b('{"Event":{"System":{"EventID":1}}}\n')), null);
  assert.equal(classifyAuditFile(b('<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"></Event></Events>')), null);
  assert.equal(classifyAuditFile(b('Timestamp,DeviceName,ActionType,FileName,FolderPath\n')), null);
});
