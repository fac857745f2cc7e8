// The logsource mapping is data (data/windows-logsources.yaml): check the file itself and the
// `tracehound fields` command that prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parseWindowsLogsourceMap, windowsLogsourceMap, classifyWindows } from '../../src/events/logsource-map.js';

test('the mapping data is consistent: every category service has a channel, no two entries claim the same events', () => {
  const m = windowsLogsourceMap();
  const services = new Set(m.channels.values());
  for (const c of m.categories) assert.ok(services.has(c.service), `category ${c.category}: service ${c.service} has no channel`);
  const seen = new Map<string, string>();
  for (const c of m.categories) for (const id of c.event_ids) {
    const k = `${c.service} ${id} ${c.category} ${JSON.stringify(c.when ?? {})}`;
    assert.ok(!seen.has(k), `duplicate mapping ${k}`);
    seen.set(k, c.category);
  }
  for (const [lower, name] of m.channelNames) assert.equal(name.toLowerCase(), lower);
});

test('classification: Sysmon 1, Security 4688 with aliases, Sysmon 12 CreateKey, the Exchange cmdlet log', () => {
  const m = windowsLogsourceMap();
  assert.deepEqual(classifyWindows(m, 'Microsoft-Windows-Sysmon/Operational', 1, () => undefined), { service: 'sysmon', categories: ['process_creation'], aliases: {} });
  assert.deepEqual(classifyWindows(m, 'security', 4688, () => undefined).aliases, { Image: 'NewProcessName', ParentImage: 'ParentProcessName' });
  assert.deepEqual(classifyWindows(m, 'Microsoft-Windows-Sysmon/Operational', 12, (f) => (f === 'EventType' ? 'CreateKey' : undefined)).categories, ['registry_event', 'registry_add']);
  assert.deepEqual(classifyWindows(m, 'MSExchange Management', 6, () => undefined), { service: 'msexchange-management', categories: [], aliases: {} });
  assert.deepEqual(classifyWindows(m, 'Some/Unknown', 1, () => undefined), { categories: [], aliases: {} });
});

test('a malformed mapping file is rejected with its name', () => {
  assert.throws(() => parseWindowsLogsourceMap('channels: {}\n', 'x.yaml'), /x\.yaml: expected 'channels' and 'categories'/);
  assert.throws(() => parseWindowsLogsourceMap('channels: { A: 1 }\ncategories: []\n', 'x.yaml'), /x\.yaml: channel 'A' must map to a service name/);
  assert.throws(() => parseWindowsLogsourceMap('channels: { A: a }\ncategories: [{ category: c, service: a, event_ids: [x] }]\n', 'x.yaml'), /x\.yaml: categories\[0\]/);
});

test('tracehound fields prints the mapping (json and table)', () => {
  const run = (...a: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fields', ...a], { encoding: 'utf8' });
  const j = run('--format', 'json');
  assert.equal(j.status, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { mappings: { channel: string; service: string; category: string; event_ids: string; aliases: string }[] };
  const pc = doc.mappings.find((r) => r.service === 'security' && r.category === 'process_creation')!;
  assert.equal(pc.channel, 'Security');
  assert.equal(pc.event_ids, '4688');
  assert.match(pc.aliases, /Image <- NewProcessName/);
  assert.ok(doc.mappings.some((r) => r.service === 'msexchange-management' && r.channel === 'MSExchange Management'));
  const t = run('--format', 'table');
  assert.match(t.stdout, /^CHANNEL\s+SERVICE\s+CATEGORY/);
  assert.equal(run('extra').status, 2);
});
