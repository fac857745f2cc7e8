// End-to-end audit of collections made of real binaries: C# agents compiled with mcs against our
// stub SDK, signed with throw-away certificates by osslsigncode, some tampered with after signing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileAgent, compileSource, agentSource, SKIP_NO_MCS, type AgentSpec } from '../support/agent-binaries.js';
import { makeTestPki, osslVerify, signPe, SKIP_NO_SIGNING, type TestPki } from '../support/signing.js';
import { ATOMIC_AGENT, DKIM_AGENT, LIGHTNEURON_AGENT, MAILBOX_2019, ROOT, writeCollection, mirrored, type AgentEntry } from '../support/exchange-collection.js';
import { readCollection, auditCollection, auditAgainstBaseline } from '../../src/audit/run.js';
import { SEVERITY_RANK, type Finding } from '../../src/findings/model.js';
import { readPeFile } from '../../src/sources/pe/pe.js';
import { verifyAuthenticode } from '../../src/sources/pe/authenticode.js';
import { main } from '../../src/cli/main.js';

const skip = SKIP_NO_MCS || SKIP_NO_SIGNING;
let work = '';
let pki: TestPki;
/** a leaf whose subject says Microsoft Corporation, issued by the test root: "Microsoft" for these tests once the test root is trusted */
let msCert = '', msKey = '';
const built = new Map<string, string>();

function issueLeaf(dir: string, name: string, subject: string): { cert: string; key: string } {
  const p = (f: string) => join(dir, `${name}-${f}`);
  writeFileSync(p('ext'), 'basicConstraints = CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning\n');
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', subject, '-keyout', p('key'), '-out', p('csr')], { stdio: 'ignore' });
  execFileSync('openssl', ['x509', '-req', '-in', p('csr'), '-CA', pki.rootPem, '-CAkey', pki.rootPem.replace(/root\.pem$/, 'root.key'), '-CAcreateserial', '-sha256', '-days', '30', '-extfile', p('ext'), '-out', p('pem')], { stdio: 'ignore' });
  return { cert: p('pem'), key: p('key') };
}

const lastPart = (s: string) => s.slice(s.lastIndexOf('.') + 1);
const nsOf = (s: string) => s.slice(0, s.lastIndexOf('.'));
const kindOf = (a: AgentEntry): AgentSpec['base'] => (a.baseType.endsWith('SmtpReceiveAgent') ? 'smtp' : a.baseType.endsWith('DeliveryAgent') ? 'delivery' : 'routing');

/** One DLL per assembly path holding every factory registered from it; signed when asked. */
function buildDll(agents: AgentEntry[], opts: { sign?: 'ms' | 'test' | 'none'; pinvoke?: AgentSpec['pinvoke'] } = {}): string {
  const file = agents[0]!.assemblyPath.slice(agents[0]!.assemblyPath.lastIndexOf('\\') + 1);
  const key = `${file}|${opts.sign}|${agents.map((a) => a.factory).join(',')}`;
  if (built.has(key)) return built.get(key)!;
  const dir = mkdtempSync(join(work, 'dll-'));
  const sources = agents.map((a, i) => {
    const src = agentSource({ file, namespace: nsOf(a.factory), factory: lastPart(a.factory), base: kindOf(a), ...(opts.pinvoke ? { pinvoke: opts.pinvoke } : {}), company: 'Tracehound test build' });
    // One compilation unit: every using directive goes first; assembly attributes come from the first source.
    return src.split('\n').filter((l) => !l.startsWith('using ') && (i === 0 || !l.startsWith('[assembly')));
  });
  const usings = [...new Set(agents.flatMap((a) => agentSource({ file, namespace: 'N', factory: 'F', base: kindOf(a) }).split('\n').filter((l) => l.startsWith('using '))))];
  const dll = compileSource(dir, file, file.replace(/\.dll$/i, '').replace(/[^A-Za-z0-9_.]/g, '_'), [...usings, ...sources.flat()].join('\n'));
  let out = dll;
  if (opts.sign === 'ms' || opts.sign === 'test') {
    out = join(dir, `signed-${file}`);
    if (opts.sign === 'ms') signPe(dll, out, msCert, msKey); else signPe(dll, out, pki.leafCertPem, pki.leafKeyPem);
  }
  built.set(key, out);
  return out;
}

/** The default agents' DLLs, "Microsoft"-signed, keyed by server path. */
function defaultDlls(): Record<string, string> {
  const byPath = new Map<string, AgentEntry[]>();
  for (const a of MAILBOX_2019) byPath.set(a.assemblyPath, [...(byPath.get(a.assemblyPath) ?? []), a]);
  return Object.fromEntries([...byPath].map(([p, as]) => [p, buildDll(as, { sign: 'ms' })]));
}

async function audit(dir: string, trustTestRoot = true) {
  const read = await readCollection([dir], trustTestRoot ? [pki.rootDer] : []);
  assert.deepEqual(read.collection.problems, [], 'the collection reads without problems');
  return auditCollection(read.collection);
}

const above = (fs: Finding[], level: keyof typeof SEVERITY_RANK) => fs.filter((f) => SEVERITY_RANK[f.severity] > SEVERITY_RANK[level]);
const show = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.check} ${f.title} :: ${(f.fields['reasons'] as string[]).join(' | ')}`).join('\n');

before(() => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'th-audit-'));
  pki = makeTestPki(join(work, 'pki'));
  ({ cert: msCert, key: msKey } = issueLeaf(join(work, 'pki'), 'ms', '/CN=Microsoft Corporation/O=Microsoft Corporation/L=Redmond/C=US'));
});
after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

test('a clean Exchange 2019 Mailbox collection: nothing above low', { skip }, async () => {
  const dir = writeCollection(join(work, 'clean'), { role: 'Mailbox', agents: MAILBOX_2019, dlls: defaultDlls() });
  const r = await audit(dir);
  assert.equal(r.context.role, 'Mailbox');
  assert.deepEqual(above(r.findings, 'low'), [], show(r.findings));
});

test('a catalogued vendor agent (DkimSigner) beside the defaults: nothing above low', { skip }, async () => {
  const dkim = buildDll([DKIM_AGENT], { sign: 'test' });
  const dir = writeCollection(join(work, 'vendor'), { role: 'Mailbox', agents: [...MAILBOX_2019, DKIM_AGENT], dlls: { ...defaultDlls(), [DKIM_AGENT.assemblyPath]: dkim } });
  const r = await audit(dir);
  assert.deepEqual(above(r.findings, 'low'), [], show(r.findings));
});

test('LightNeuron-style: the impersonating Connection Filtering Agent on a Mailbox server is critical', { skip }, async () => {
  const ln = buildDll([LIGHTNEURON_AGENT], { sign: 'none', pinvoke: [{ module: 'exdbdata.dll', entry: 'MessageValidator' }] });
  const dir = writeCollection(join(work, 'lightneuron'), {
    role: 'Mailbox', agents: [...MAILBOX_2019, LIGHTNEURON_AGENT], dlls: { ...defaultDlls(), [LIGHTNEURON_AGENT.assemblyPath]: ln },
    manifest: [
      { path: `${ROOT}bin\\exdbdata.dll`, sha256: 'a'.repeat(64) },
      { path: `${ROOT}bin\\winmail.dat` },
      { path: 'C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Roaming\\Microsoft\\Windows\\msxfer.dat' },
    ],
  });
  const r = await audit(dir);
  const imp = r.findings.find((f) => f.check === 'impersonation');
  assert.ok(imp, show(r.findings));
  assert.equal(imp.severity, 'critical');
  const reasons = (imp.fields['reasons'] as string[]).join(' ');
  assert.match(reasons, /Microsoft\.Exchange\.Transport\.Agent\.ConnectionFiltering\.dll is not Microsoft's Microsoft\.Exchange\.Transport\.Agent\.Hygiene\.dll/);
  assert.match(reasons, /exists only on Edge servers; this is a Mailbox server/);
  assert.match(reasons, /not signed/);
  const iocs = r.findings.filter((f) => f.check === 'ioc-match');
  const iocText = show(iocs);
  for (const s of ['exdbdata.dll!MessageValidator', 'winmail.dat', 'msxfer.dat', 'registration matches']) assert.ok(iocText.includes(s), `${s} in\n${iocText}`);
  assert.ok(iocs.every((f) => f.severity === 'critical'));
  // Nothing about the genuine defaults.
  assert.deepEqual(above(r.findings.filter((f) => !/Connection ?Filtering|exdbdata|winmail|msxfer/.test(f.title)), 'low'), [], show(r.findings));
  assert.ok(imp.playbook?.some((s) => /disabl/i.test(s.text)));
});

test('Atomic-style: a genuine Microsoft-signed DLL under a new agent name is one high finding', { skip }, async () => {
  const dll = buildDll([ATOMIC_AGENT], { sign: 'ms' });
  const dir = writeCollection(join(work, 'atomic'), { role: 'Mailbox', agents: [...MAILBOX_2019, ATOMIC_AGENT], dlls: { ...defaultDlls(), [ATOMIC_AGENT.assemblyPath]: dll } });
  const r = await audit(dir);
  const high = above(r.findings, 'medium');
  assert.equal(high.length, 1, show(r.findings));
  assert.equal(high[0]!.check, 'unknown-agent');
  assert.equal(high[0]!.severity, 'high');
  assert.match(high[0]!.title, /Security Interop Agent/);
});

test('signatures, tampering and factories: each case reported, verdicts agree with osslsigncode', { skip }, async () => {
  const agent = (name: string, file: string): AgentEntry => ({ name, factory: `Contoso.Mail.${name.replace(/\W/g, '')}AgentFactory`, assemblyPath: `D:\\Contoso\\Agents\\${file}`, baseType: 'Microsoft.Exchange.Data.Transport.Routing.RoutingAgent' });
  const signed = agent('Signed Agent', 'Signed.dll');
  const unsigned = agent('Unsigned Agent', 'Unsigned.dll');
  const tampered = agent('Tampered Agent', 'Tampered.dll');
  const noFactory = agent('Wrong Factory Agent', 'WrongFactory.dll');
  const signedDll = buildDll([signed], { sign: 'test' });
  const unsignedDll = buildDll([unsigned], { sign: 'none' });
  const tamperedDll = join(work, 'Tampered.dll');
  copyFileSync(buildDll([tampered], { sign: 'test' }), tamperedDll);
  const bytes = readFileSync(tamperedDll);
  const pe = readPeFile(tamperedDll);
  const text = pe.sections.find((s) => s.name === '.text')!;
  const at = text.rawOffset + text.rawSize - 4;
  bytes[at] = bytes[at]! ^ 0xff; // section padding: inside the signed range, outside the metadata
  writeFileSync(tamperedDll, bytes);
  const wrongDll = buildDll([{ ...noFactory, factory: 'Contoso.Mail.SomethingElseFactory' }], { sign: 'test' });
  const all = [signed, unsigned, tampered, noFactory];
  const dlls = { [signed.assemblyPath]: signedDll, [unsigned.assemblyPath]: unsignedDll, [tampered.assemblyPath]: tamperedDll, [noFactory.assemblyPath]: wrongDll };
  const dir = writeCollection(join(work, 'cases'), { role: 'Mailbox', agents: all, dlls });
  const allow = all.map((a, i) => ({ name: a.name, line: i + 1 }));

  const withRoot = auditCollection((await readCollection([dir], [pki.rootDer])).collection, allow);
  const noRoot = auditCollection((await readCollection([dir], [])).collection, allow);
  const checksFor = (fs: Finding[], name: string) => fs.filter((f) => f.title.includes(name)).map((f) => f.check).sort();
  assert.deepEqual(checksFor(withRoot.findings, 'Signed Agent'), [], show(withRoot.findings));
  assert.deepEqual(checksFor(noRoot.findings, 'Signed Agent'), ['untrusted-signer']);
  assert.deepEqual(checksFor(withRoot.findings, 'Unsigned Agent'), ['unsigned']);
  assert.ok(checksFor(withRoot.findings, 'Tampered Agent').includes('bad-signature'));
  assert.match(show(withRoot.findings.filter((f) => f.title.includes('Tampered'))), /hash/i);
  assert.deepEqual(checksFor(withRoot.findings, 'Wrong Factory Agent'), ['factory-missing']);
  assert.match(show(withRoot.findings.filter((f) => f.check === 'factory-missing')), /Contoso\.Mail\.SomethingElseFactory/);

  // The verifier's verdict on every file agrees with osslsigncode's.
  for (const [, f] of Object.entries(dlls)) {
    const ours = await verifyAuthenticode(readPeFile(f), [pki.rootDer]);
    const theirs = osslVerify(f, pki.rootPem);
    assert.equal(ours.status === 'trusted', theirs.verified, `${f}: ours ${ours.status} (${ours.reason}); osslsigncode:\n${theirs.output}`);
  }
});

test('audit --baseline: added, re-pointed, re-ordered, disabled and changed DLLs', { skip }, async () => {
  const oldDir = writeCollection(join(work, 'base-old'), { role: 'Mailbox', agents: MAILBOX_2019, dlls: defaultDlls() });
  const malware = MAILBOX_2019[1]!;
  const repointed = { ...malware, assemblyPath: 'C:\\Windows\\Temp\\Microsoft.Exchange.Transport.Agent.Malware.dll' };
  const agents = [MAILBOX_2019[0]!, repointed, ...MAILBOX_2019.slice(2).map((a, i) => (i === 0 ? { ...a, enabled: false } : a)), LIGHTNEURON_AGENT];
  const newDir = writeCollection(join(work, 'base-new'), { role: 'Mailbox', agents: [agents[2]!, ...agents.filter((_, i) => i !== 2)], dlls: defaultDlls() });
  const r = auditAgainstBaseline((await readCollection([oldDir], [pki.rootDer])).collection, (await readCollection([newDir], [pki.rootDer])).collection);
  const kinds = new Set(r.changes.map((f) => f.fields['change']));
  for (const k of ['added', 'repointed', 'disabled', 'reordered']) assert.ok(kinds.has(k), `${k} in ${[...kinds].join(', ')}`);
  assert.ok(r.changes.some((f) => f.fields['change'] === 'added' && f.fields['agent'] === 'Connection Filtering Agent' && f.severity === 'high'));
  assert.ok(r.findings.some((f) => f.check === 'impersonation'), 'the current collection is audited too');
});

test('tracehound audit prints findings and exits 1 with --fail-on high on the LightNeuron collection', { skip }, async () => {
  const dir = join(work, 'lightneuron');
  const out = join(work, 'ln.jsonl');
  const rootFile = pki.rootPem;
  const code = await main(['audit', dir, '--trust', rootFile, '--format', 'jsonl', '--out', out, '--fail-on', 'high', '--quiet']);
  assert.equal(code, 1);
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Finding);
  assert.ok(lines.some((f) => f.check === 'impersonation' && f.severity === 'critical' && f.rule_id === null));
  for (const f of lines) for (const k of ['id', 'title', 'severity', 'confidence', 'techniques', 'host', 'first_seen', 'last_seen', 'count', 'evidence', 'fields', 'check', 'playbook']) assert.ok(k in f, k);
  assert.equal(lines[0]!.host, 'EXCH01.corp.example');
  assert.ok(mirrored(dir, LIGHTNEURON_AGENT.assemblyPath));
});
