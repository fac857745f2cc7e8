// schemas/finding.schema.json describes every finding the CLI writes as JSON and JSON lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FINDING_SCHEMA, findingRecord } from '../../src/report/schema.js';
import { validate, type Schema } from './json-schema-lite.js';
import { cli, finding, hostileFindings, ROOT, tempDir } from './fixtures.js';
import { LIGHTNEURON_AGENT, MAILBOX_2019, writeCollection } from '../support/exchange-collection.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'finding.schema.json'), 'utf8')) as Schema & Record<string, unknown>;

function assertValid(rec: unknown, what: string): void {
  const errs = validate(rec, schema);
  assert.deepEqual(errs, [], `${what}: ${JSON.stringify(rec).slice(0, 300)}`);
}

test('the schema document: 2020-12, its version matches the records\', only keywords the checker knows', () => {
  assert.equal(schema['$schema'], 'https://json-schema.org/draft/2020-12/schema');
  assert.equal(FINDING_SCHEMA, 'tracehound.finding/2');
  const version = FINDING_SCHEMA.split('/')[1];
  assert.ok(String(schema['$id']).endsWith(`:${version}`), 'the $id carries the same version');
  assert.deepEqual((schema['properties'] as Record<string, { const?: string }>)['schema']?.const, FINDING_SCHEMA);
  // the checker refuses keywords it does not implement, so a valid record proves the whole schema was applied
  assert.deepEqual(validate({}, { oneOf: [] }), ['$: schema keyword \'oneOf\' is not supported by this checker']);
});

test('every finding hunt prints for samples/ (json and jsonl) is valid', () => {
  const json = cli('hunt', 'samples', '--format', 'json');
  assert.equal(json.status, 0, json.stderr);
  const arr = JSON.parse(json.stdout) as unknown[];
  assert.ok(arr.length >= 5);
  arr.forEach((f, i) => assertValid(f, `json finding ${i}`));
  const jsonl = cli('hunt', 'samples', '--format', 'jsonl');
  const lines = jsonl.stdout.trim().split('\n');
  assert.equal(lines.length, arr.length);
  lines.forEach((l, i) => {
    const rec = JSON.parse(l) as Record<string, unknown>;
    assert.equal(Object.keys(rec)[0], 'schema', 'schema is the first field');
    assert.equal(rec['schema'], FINDING_SCHEMA);
    assertValid(rec, `jsonl finding ${i}`);
  });
  // the correlation finding and the one it raised
  assert.ok(arr.some((f) => (f as { correlation?: boolean }).correlation === true));
  assert.ok(arr.some((f) => Array.isArray((f as { correlated_by?: string[] }).correlated_by)));
});

test('audit findings (check, playbook steps, evidence kinds of the audit) are valid', () => {
  const dir = tempDir();
  const coll = writeCollection(join(dir, 'c'), { role: 'Mailbox', agents: [...MAILBOX_2019, LIGHTNEURON_AGENT] });
  const r = cli('hunt', coll, '--format', 'jsonl');
  assert.equal(r.status, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { check?: string; playbook: unknown[] | null; evidence: { kind: string }[] });
  const audit = recs.filter((f) => f.check);
  assert.ok(audit.length > 0, 'the collection gives audit findings');
  assert.ok(audit.some((f) => (f.playbook?.length ?? 0) > 0), 'with playbook steps');
  assert.ok(audit.some((f) => f.evidence.some((e) => e.kind === 'agents-config')));
  recs.forEach((f, i) => assertValid(f, `audit hunt finding ${i}`));
  const a = cli('audit', coll, '--format', 'json');
  (JSON.parse(a.stdout) as unknown[]).forEach((f, i) => assertValid(f, `audit finding ${i}`));
});

test('hostile and unusual findings are valid; broken records are not', () => {
  assertValid({ ...findingRecord(finding()), fields: { f: { deep: [1, { x: 'y', n: null, b: true }] } } }, 'nested field values');
  for (const f of hostileFindings()) assertValid(JSON.parse(JSON.stringify(findingRecord(f))), f.title.slice(0, 20));
  const good = JSON.parse(JSON.stringify(findingRecord(finding()))) as Record<string, unknown>;
  const broken: [string, (r: Record<string, unknown>) => void, RegExp][] = [
    ['no score', (r) => { delete r['score']; }, /missing required 'score'/],
    ['an unknown field', (r) => { r['extra'] = 1; }, /unexpected field 'extra'/],
    ['another schema version', (r) => { r['schema'] = 'tracehound.finding/1'; }, /must be "tracehound.finding\/2"/],
    ['a bad severity', (r) => { r['severity'] = 'severe'; }, /is not one of/],
    ['a bad evidence kind', (r) => { r['evidence'] = [{ file: 'x', kind: 'pdf' }]; }, /\$\.evidence\[0\]\.kind/],
    ['a score above 100', (r) => { r['score'] = 101; }, /101 > 100/],
    ['a playbook step without text', (r) => { r['playbook'] = [{ id: 'x', title: 'y' }]; }, /missing required 'text'/],
    ['a bad time', (r) => { r['first_seen'] = 'yesterday'; }, /first_seen/],
    ['a fractional count', (r) => { r['count'] = 1.5; }, /count: number is not integer/],
    ['a bad technique', (r) => { r['techniques'] = ['X1505']; }, /techniques\[0\]/],
    ['fields that are not an object', (r) => { r['fields'] = ['x']; }, /\$\.fields: array is not object/],
    ['an evidence reference with an unknown field', (r) => { r['evidence'] = [{ file: 'x', kind: 'evtx', page: 1 }]; }, /unexpected field 'page'/],
  ];
  for (const [what, change, expected] of broken) {
    const r = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    change(r);
    const errs = validate(r, schema).join('\n');
    assert.match(errs, expected, what);
  }
});
