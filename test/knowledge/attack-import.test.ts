// ATT&CK STIX import: the shared v18.1 bundle (time, counts, the T1505.002 graph), the local store,
// folders of object files, the streaming reader at every chunk boundary, and malformed input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AttackImportError, importAttack, type AttackExtract } from '../../src/knowledge/attack-import.js';
import { BundleScanner, JsonStreamError } from '../../src/knowledge/json-stream.js';
import { AttackStoreError, readAttackStore, storeDir, writeAttackStore } from '../../src/knowledge/attack-store.js';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';

const BUNDLE = join(CORPORA, 'attack-stix', 'enterprise-attack.json.gz');
const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-attack-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const file = (name: string, data: string | Buffer) => {
  const p = join(tmp, `${n++}-${name}`);
  fs.writeFileSync(p, data);
  return p;
};

// ---- a small bundle in the shape of ATT&CK v18 ------------------------------------------------

const ref = (id: string, kind = 'techniques') => [{ source_name: 'mitre-attack', external_id: id, url: `https://attack.mitre.org/${kind}/${id.replace('.', '/')}` }];
const obj = (type: string, id: string, extra: Record<string, unknown>) => ({ type, id: `${type}--${id}`, created: '2020-01-01T00:00:00.000Z', modified: '2024-01-01T00:00:00.000Z', ...extra });
const rel = (id: string, type: string, src: string, tgt: string, description = '') => obj('relationship', id, { relationship_type: type, source_ref: src, target_ref: tgt, description });

function smallObjects(): Record<string, unknown>[] {
  return [
    obj('attack-pattern', 'p', { name: 'Server Software Component', description: 'Parent.', external_references: ref('T1505'), kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'persistence' }], x_mitre_platforms: ['Windows'], x_mitre_version: '1.5' }),
    obj('attack-pattern', 'c', { name: 'Transport Agent', description: 'Child "quoted" \\ text.(Citation: X)', external_references: [...ref('T1505.002'), { source_name: 'X', url: 'https://example.org/x' }], kill_chain_phases: [{ kill_chain_name: 'mitre-attack', phase_name: 'persistence' }], x_mitre_platforms: ['Linux', 'Windows'], x_mitre_is_subtechnique: true, x_mitre_version: '1.1', x_mitre_detection: 'Old advice.', x_mitre_data_sources: ['File: File Creation'] }),
    obj('attack-pattern', 'old', { name: 'Old', description: 'Revoked.', external_references: ref('T1999'), revoked: true }),
    obj('course-of-action', 'm', { name: 'Audit', description: 'generic', external_references: ref('M1047', 'mitigations') }),
    obj('course-of-action', 'dep', { name: 'Old mitigation', description: 'x', external_references: ref('T1505.002', 'mitigations'), x_mitre_deprecated: true }),
    obj('malware', 'ln', { name: 'LightNeuron', external_references: ref('S0395', 'software') }),
    obj('intrusion-set', 'g', { name: 'Turla', external_references: ref('G0010', 'groups') }),
    obj('x-mitre-data-component', 'dc', { name: 'Process Creation', description: 'd', external_references: ref('DC0032', 'datacomponents'), x_mitre_log_sources: [{ name: 'WinEventLog:Sysmon', channel: 'EventCode=1' }] }),
    obj('x-mitre-data-component', 'legacy', { name: 'File Creation', description: 'd', external_references: ref('DC0039', 'datacomponents'), x_mitre_data_source_ref: 'x-mitre-data-source--ds' }),
    obj('x-mitre-data-source', 'ds', { name: 'File', external_references: ref('DS0022', 'datasources') }),
    obj('x-mitre-analytic', 'an', { name: 'Analytic 1', description: 'An analytic.', external_references: ref('AN0001', 'detectionstrategies'), x_mitre_platforms: ['Windows'], x_mitre_log_source_references: [{ x_mitre_data_component_ref: 'x-mitre-data-component--dc', name: 'WinEventLog:Sysmon', channel: 'EventCode=1' }], x_mitre_mutable_elements: [{ field: 'TimeWindow', description: 'tune' }] }),
    obj('x-mitre-detection-strategy', 'det', { name: 'Strategy', external_references: ref('DET0001', 'detectionstrategies'), x_mitre_analytic_refs: ['x-mitre-analytic--an'] }),
    rel('1', 'subtechnique-of', 'attack-pattern--c', 'attack-pattern--p'),
    rel('2', 'mitigates', 'course-of-action--m', 'attack-pattern--c', 'Check agents.'),
    rel('3', 'mitigates', 'course-of-action--dep', 'attack-pattern--c', 'deprecated source: not linked'),
    rel('4', 'uses', 'malware--ln', 'attack-pattern--c', 'LightNeuron used an agent.'),
    rel('5', 'uses', 'intrusion-set--g', 'attack-pattern--c', 'Turla used it.'),
    rel('6', 'detects', 'x-mitre-detection-strategy--det', 'attack-pattern--c'),
    rel('7', 'detects', 'x-mitre-data-component--legacy', 'attack-pattern--c', 'Watch file creation.'),
    rel('8', 'revoked-by', 'attack-pattern--old', 'attack-pattern--c'),
    { ...rel('9', 'uses', 'intrusion-set--g', 'attack-pattern--p', 'a revoked relationship'), revoked: true },
    obj('marking-definition', 'mk', { definition_type: 'statement', definition: { statement: 'Copyright The MITRE Corporation (test).' } }),
    obj('x-mitre-collection', 'col', { name: 'Enterprise ATT&CK', x_mitre_version: '18.1', spec_version: '2.1' }),
  ];
}
const smallBundle = () => JSON.stringify({ type: 'bundle', id: 'bundle--small', spec_version: '2.0', objects: smallObjects() });

function checkSmall(x: AttackExtract): void {
  const t = x.techniques['T1505.002']!;
  assert.equal(t.name, 'Transport Agent');
  assert.equal(t.description, 'Child "quoted" \\ text.(Citation: X)');
  assert.equal(t.parent, 'T1505');
  assert.deepEqual(x.techniques['T1505']!.subtechniques, ['T1505.002']);
  assert.deepEqual(t.platforms, ['Linux', 'Windows']);
  assert.deepEqual(t.tactics, ['persistence']);
  assert.equal(t.is_subtechnique, true);
  assert.equal(t.version, '1.1');
  assert.deepEqual(t.mitigations, [{ id: 'M1047', name: 'Audit', url: 'https://attack.mitre.org/mitigations/M1047', description: 'Check agents.' }]);
  assert.deepEqual(t.procedures.map((p) => `${p.id} ${p.name} ${p.type}: ${p.description}`), ['S0395 LightNeuron malware: LightNeuron used an agent.', 'G0010 Turla intrusion-set: Turla used it.']);
  assert.equal(t.detection_strategies.length, 1);
  const an = t.detection_strategies[0]!.analytics[0]!;
  assert.equal(an.id, 'AN0001');
  assert.deepEqual(an.log_sources, [{ data_component: 'DC0032', name: 'WinEventLog:Sysmon', channel: 'EventCode=1' }]);
  assert.deepEqual(an.mutable_elements, [{ field: 'TimeWindow', description: 'tune' }]);
  assert.deepEqual(t.data_components, ['DC0032', 'DC0039']);
  assert.deepEqual(t.legacy_detections, [{ data_component: 'DC0039', description: 'Watch file creation.' }]);
  assert.equal(x.data_components['DC0039']!.data_source, 'File');
  assert.equal(t.detection, 'Old advice.');
  assert.deepEqual(t.data_sources, ['File: File Creation']);
  assert.deepEqual(t.references, [{ source: 'X', url: 'https://example.org/x', description: null }]);
  assert.equal(x.techniques['T1999']!.revoked, true);
  assert.equal(x.techniques['T1999']!.revoked_by, 'T1505.002');
  assert.equal(x.techniques['T1505']!.procedures.length, 0, 'a revoked relationship is not linked');
  assert.equal(x.bundle.attack_version, '18.1');
  assert.equal(x.bundle.copyright, 'Copyright The MITRE Corporation (test).');
}

test('a small v18-shaped bundle: every field and link is extracted', async () => {
  const x = await importAttack(file('small.json', smallBundle()));
  checkSmall(x);
  assert.deepEqual(x.bundle.ids, ['bundle--small']);
  assert.deepEqual(x.bundle.spec_versions, ['2.0', '2.1']);
  assert.equal(x.source.kind, 'file');
  assert.equal(x.counts['objects'], smallObjects().length);
  // the same as gzip, recognised by content whatever the name
  const g = await importAttack(file('small.txt', gzipSync(smallBundle())));
  checkSmall(g);
  assert.equal(g.source.json_bytes, Buffer.byteLength(smallBundle()));
});

test('a folder of STIX object files (mitre/cti layout): one bundle per object, gzip too, other files skipped, newest version kept', async () => {
  const dir = fs.mkdtempSync(join(tmp, 'cti-'));
  for (const o of smallObjects()) {
    const sub = join(dir, String(o['type']));
    fs.mkdirSync(sub, { recursive: true });
    const body = JSON.stringify({ type: 'bundle', id: `bundle--${String(o['id'])}`, spec_version: '2.0', objects: [o] });
    if (o['type'] === 'malware') fs.writeFileSync(join(sub, `${String(o['id'])}.json.gz`), gzipSync(body));
    else fs.writeFileSync(join(sub, `${String(o['id'])}.json`), body);
  }
  // an older copy of the technique with another name, as a bare object (not in a bundle)
  const older = { ...smallObjects()[1]!, name: 'Old name', modified: '2019-01-01T00:00:00.000Z' };
  fs.writeFileSync(join(dir, 'attack-pattern', 'zz-older.json'), JSON.stringify(older));
  fs.writeFileSync(join(dir, 'README.md'), '# not STIX\n');
  const x = await importAttack(dir);
  checkSmall(x);
  assert.equal(x.source.kind, 'directory');
  assert.equal(x.source.files, smallObjects().length + 1);
  assert.deepEqual(x.source.skipped.map((p) => p.slice(dir.length + 1)), ['README.md']);
  assert.equal(x.counts['duplicates'], 1);
});

test('the store: written atomically, read back, $TRACEHOUND_HOME and --store, damaged stores reported', async () => {
  const x = await importAttack(file('small.json', smallBundle()));
  const dir = join(tmp, 'store-a');
  const f = writeAttackStore(dir, x);
  assert.equal(f, join(dir, 'attack.json'));
  assert.deepEqual(fs.readdirSync(dir), ['attack.json'], 'no temporary file left behind');
  const s = readAttackStore(dir)!;
  assert.equal(s.technique('T1505.002')!.name, 'Transport Agent');
  assert.equal(s.technique('T0000'), null);
  assert.equal(s.technique('__proto__'), null);
  assert.equal(s.dataComponent('DC0032')!.name, 'Process Creation');
  assert.equal(s.info.attack_version, '18.1');
  assert.equal(readAttackStore(join(tmp, 'store-none')), null);
  assert.equal(storeDir('/x/y', {}), '/x/y');
  assert.equal(storeDir(undefined, { TRACEHOUND_HOME: '/h/t' }), '/h/t');
  assert.equal(storeDir(undefined, {}), join(os.homedir(), '.tracehound'));
  fs.writeFileSync(f, '{"format":"something-else"}');
  assert.throws(() => readAttackStore(dir), (e: unknown) => e instanceof AttackStoreError && e.message.includes(f) && /not a tracehound ATT&CK store/.test(e.message));
  fs.writeFileSync(f, '{trunc');
  assert.throws(() => readAttackStore(dir), /not readable JSON/);
});

// ---- the streaming reader -----------------------------------------------------------------------

function scanAll(chunks: Buffer[]) {
  const got: unknown[] = [];
  const sc = new BundleScanner((v) => got.push(v));
  for (const c of chunks) sc.push(c);
  return { got, result: sc.end() };
}

test('the streaming reader gives the same objects at every chunk boundary', () => {
  const objects = [
    { type: 'x', id: 'x--1', s: 'quote " backslash \\ and \\" escaped', u: 'é€😀 \u2028', n: [1, -2.5e3, true, false, null, { a: [] }] },
    { type: 'y', id: 'y--2', s: '\\\\' },
    { type: 'z', id: 'z--3', s: '}{][,:"' },
  ];
  const text = Buffer.from('\ufeff' + JSON.stringify({ type: 'bundle', id: 'bundle--1', spec_version: '2.1', objects, extra: { k: 'v' } }, null, 1), 'utf8');
  const whole = scanAll([text]);
  assert.deepEqual(whole.got, objects);
  assert.deepEqual({ ...whole.result.props }, { type: 'bundle', id: 'bundle--1', spec_version: '2.1', extra: { k: 'v' } });
  for (let size = 1; size <= 7; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
    assert.deepEqual(scanAll(chunks).got, objects, `chunks of ${size} bytes`);
  }
  for (let cut = 0; cut <= text.length; cut++) assert.deepEqual(scanAll([text.subarray(0, cut), text.subarray(cut)]).got, objects, `cut at ${cut}`);
  // a top-level array of objects
  assert.deepEqual(scanAll([Buffer.from(JSON.stringify(objects))]).got, objects);
  assert.equal(scanAll([Buffer.from('{"objects":[]}')]).result.sawObjects, true);
});

test('the streaming reader reports malformed JSON with its offset', () => {
  const bad = (s: string, re: RegExp) => assert.throws(() => scanAll([Buffer.from(s)]), (e: unknown) => e instanceof JsonStreamError && re.test(e.message), s);
  bad('', /empty input/);
  bad('hello', /not JSON: expected '\{' or '\[' but found 'h'/);
  bad('{"objects":[{"a":1} {"b":2}]}', /expected ',' or '\]' but found '\{'/);
  bad('{"objects":[{"a":1,}]}', /malformed JSON in objects\[0\]/);
  bad('{"objects":[{"a":1}]', /unexpected end of input/);
  bad('{"objects":[{"a":1}]} x', /data after the end/);
  bad('{"a" 1}', /expected ':'/);
  bad('{"objects":[1,]}', /expected a value but found '\]'/);
  bad('{"a":tru}', /malformed JSON in member 'a'/);
  try { scanAll([Buffer.from('{"objects":[{"a":1},\n{"b":}]}')]); assert.fail('no error'); } catch (e) { assert.equal((e as JsonStreamError).offset, 21); }
});

// ---- malformed and oversized input ----------------------------------------------------------------

async function rejects(path: string, re: RegExp, opts?: Parameters<typeof importAttack>[1]) {
  await assert.rejects(importAttack(path, opts), (e: unknown) => {
    assert.ok(e instanceof AttackImportError, `an AttackImportError, got ${String(e)}`);
    assert.ok(e.message.startsWith(`${e.file}: `), e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('malformed bundles are reported with the file and what is wrong', async () => {
  const gz = gzipSync(smallBundle());
  await rejects(file('trunc.json.gz', gz.subarray(0, gz.length - 20)), /truncated gzip data \(unexpected end of file\)/);
  const corrupt = Buffer.from(gz);
  corrupt[20] = corrupt[20]! ^ 0xff; corrupt[21] = corrupt[21]! ^ 0xff;
  await rejects(file('corrupt.json.gz', corrupt), /gzip data|malformed JSON|not JSON/);
  await rejects(file('notjson.json', 'this is not JSON at all'), /not JSON or gzip/);
  await rejects(file('notjson.gz', gzipSync('this is not JSON at all')), /not JSON: expected '\{' or '\[' but found 't' \(at byte 0 of the decompressed data\)/);
  await rejects(file('noobjects.json', '{"type":"bundle","id":"bundle--1","spec_version":"2.0"}'), /a STIX bundle without an 'objects' array/);
  await rejects(file('objects-object.json', '{"type":"bundle","id":"bundle--1","objects":{}}'), /'objects' must be an array \(found an object\)/);
  await rejects(file('other.json', '{"hello":"world"}'), /not a STIX bundle or object/);
  await rejects(file('truncated.json', smallBundle().slice(0, 500)), /unexpected end of input \(truncated JSON\?\)/);
  await rejects(file('badobject.json', '{"type":"bundle","objects":[{"type":"x","id":"x--1",}]}'), /malformed JSON in objects\[0\]/);
  await rejects(file('empty.json', ''), /empty file/);
  await rejects(file('zip.zip', Buffer.from('PK\x03\x04rest-of-zip')), /a zip archive/);
  await rejects(file('no-techniques.json', JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [{ type: 'malware', id: 'malware--1', name: 'x' }] })), /no ATT&CK technique found among 1 STIX objects/);
  await rejects(file('empty-bundle.json', '{"type":"bundle","id":"bundle--1","objects":[]}'), /no STIX objects found/);
  await rejects(join(tmp, 'does-not-exist.json'), /no such file or folder/);
  const emptyDir = fs.mkdtempSync(join(tmp, 'empty-'));
  await rejects(emptyDir, /the folder holds no files/);
  fs.writeFileSync(join(emptyDir, 'notes.txt'), 'nothing');
  await rejects(emptyDir, /no JSON or gzip file in the folder/);
  // objects that are not STIX objects are skipped with a problem, not fatal
  const x = await importAttack(file('mixed.json', JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [42, { type: 'x' }, ...smallObjects()] })));
  assert.deepEqual(x.problems.slice(0, 2).map((p) => p.replace(/^.*?: /, '')), ['objects[0] is a number, not a STIX object; skipped', "objects[1] has no 'type' or 'id'; skipped"]);
});

test('input size is bounded (1 GiB by default): files, folders and decompressed data', async () => {
  // a sparse file just over 1 GiB: refused from its size, without being read
  const big = join(tmp, 'big.json');
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, 2 ** 30 + 1);
  fs.closeSync(fd);
  await rejects(big, /1 GiB, more than 1 GiB; refused/);
  const dir = fs.mkdtempSync(join(tmp, 'bigdir-'));
  fs.renameSync(big, join(dir, 'big.json'));
  await rejects(dir, /the folder holds 1 GiB of files, more than 1 GiB; refused/);
  // decompressed data over the limit (a small limit here; the default is 1 GiB)
  const bomb = gzipSync('{"type":"bundle","objects":[' + ' '.repeat(3 << 20) + ']}');
  await rejects(file('bomb.json.gz', bomb), /decompresses to more than 1 MiB of JSON in all; refused/, { maxInputBytes: 1 << 20 });
  const bombDir = fs.mkdtempSync(join(tmp, 'bombdir-'));
  fs.writeFileSync(join(bombDir, 'a.json.gz'), bomb);
  await rejects(bombDir, /decompresses to more than 1 MiB of JSON in all; refused/, { maxInputBytes: 1 << 20 });
});

// ---- the shared ATT&CK v18.1 bundle ---------------------------------------------------------------

test('the shared ATT&CK v18.1 bundle imports quickly and links T1505.002 fully', { skip: SKIP_NO_CORPORA }, async (t) => {
  const t0 = performance.now();
  const x = await importAttack(BUNDLE);
  const seconds = (performance.now() - t0) / 1000;
  t.diagnostic(`import of ${BUNDLE}: ${seconds.toFixed(2)} s, ${x.counts['objects']} objects, ${Object.keys(x.techniques).length} techniques`);
  console.log(`# ATT&CK import: ${seconds.toFixed(2)} s (goal < 10 s) for ${x.counts['objects']} STIX objects, ${x.source.json_bytes} bytes of JSON`);
  assert.ok(seconds < 30, `import took ${seconds.toFixed(1)} s`);

  // counts of the bundle as listed in the corpus's SOURCES.md
  const want: Record<string, number> = {
    objects: 24_771, 'attack-pattern': 835, campaign: 52, 'course-of-action': 268, identity: 1, 'intrusion-set': 187, malware: 696,
    'marking-definition': 1, relationship: 20_048, tool: 91, 'x-mitre-analytic': 1_739, 'x-mitre-data-component': 109,
    'x-mitre-data-source': 38, 'x-mitre-detection-strategy': 691, 'x-mitre-matrix': 1, 'x-mitre-tactic': 14,
  };
  for (const [k, v] of Object.entries(want)) assert.equal(x.counts[k], v, k);
  assert.equal(Object.keys(x.techniques).length, 835);
  assert.equal(x.counts['techniques_active'], 835 - 132 - 12);

  const t2 = x.techniques['T1505.002']!;
  assert.equal(t2.name, 'Transport Agent');
  assert.equal(t2.stix_id, 'attack-pattern--35187df2-31ed-43b6-a1f5-2f1d3d58d3f1');
  assert.equal(t2.parent, 'T1505');
  assert.equal(t2.is_subtechnique, true);
  assert.deepEqual([...t2.platforms].sort(), ['Linux', 'Windows']);
  assert.deepEqual(t2.tactics, ['persistence']);
  assert.match(t2.version ?? '', /^\d+\.\d+$/);
  assert.equal(t2.revoked || t2.deprecated, false);
  assert.ok(t2.description.length > 200);
  assert.deepEqual(t2.mitigations.map((m) => `${m.id} ${m.name}`), ['M1026 Privileged Account Management', 'M1045 Code Signing', 'M1047 Audit']);
  for (const m of t2.mitigations) assert.ok(m.description.length > 20, `${m.id} carries the relationship's text`);
  const ln = t2.procedures.find((p) => p.id === 'S0395');
  assert.ok(ln, 'LightNeuron is a procedure example');
  assert.equal(ln.name, 'LightNeuron');
  assert.equal(ln.type, 'malware');
  assert.match(ln.description, /transport agent/);
  assert.deepEqual(t2.detection_strategies.map((d) => d.id), ['DET0166']);
  const ans = t2.detection_strategies[0]!.analytics;
  assert.deepEqual(ans.map((a) => a.id).sort(), ['AN0472', 'AN0473']);
  const win = ans.find((a) => a.id === 'AN0472')!;
  assert.deepEqual(win.platforms, ['Windows']);
  assert.ok(win.log_sources.some((l) => l.name === 'WinEventLog:Sysmon' && l.channel === 'EventCode=7' && l.data_component === 'DC0016'));
  assert.ok(win.log_sources.some((l) => /PowerShell/.test(l.name) && /4104/.test(l.channel)));
  for (const dc of t2.data_components) assert.ok(x.data_components[dc]?.name, `data component ${dc} has a name`);
  assert.ok(t2.data_components.includes('DC0032') && x.data_components['DC0032']!.name === 'Process Creation');
  assert.ok(t2.references.some((r) => r.source === 'ESET LightNeuron May 2019'));

  const parent = x.techniques['T1505']!;
  assert.equal(parent.name, 'Server Software Component');
  assert.deepEqual(parent.subtechniques, ['T1505.001', 'T1505.002', 'T1505.003', 'T1505.004', 'T1505.005', 'T1505.006']);
  assert.match(x.bundle.copyright ?? '', /MITRE/);
  assert.deepEqual(x.bundle.ids, ['bundle--enterprise-attack-assembled']);

  // and through the store
  const dir = join(tmp, 'store-full');
  writeAttackStore(dir, x);
  const s = readAttackStore(dir)!;
  assert.equal(s.technique('T1505.002')!.detection_strategies[0]!.analytics.length, 2);
});
