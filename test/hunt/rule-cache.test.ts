import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadRules } from '../../src/hunt/load-rules.js';
import { RuleCache } from '../../src/hunt/rule-cache.js';

const rule = (title: string, value: string) => `title: ${title}\nid: 5b0d7c49-6a43-4c36-9a53-0d1f2d1c0a11\nlogsource: {product: windows, service: security}\ndetection:\n  sel: {EventID: 4688, CommandLine|contains: '${value}'}\n  condition: sel\n`;

test('the rule cache gives the parse of unchanged files, parses edited ones again and ignores a damaged pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'th-rc-'));
  try {
    const rules = join(dir, 'rules'), cacheDir = join(dir, 'cache');
    mkdirSync(rules);
    const file = join(rules, 'a.yml');
    writeFileSync(file, rule('First', 'evil.exe'));
    const first = loadRules([rules], undefined, { cache: new RuleCache([rules], undefined, cacheDir) });
    assert.equal(first.docs[0]!.meta.title, 'First');
    const packs = readdirSync(cacheDir).filter((f) => f.endsWith('.v8'));
    assert.equal(packs.length, 1);
    const warm = new RuleCache([rules], undefined, cacheDir);
    assert.ok(warm.get(file, RuleCache.sha(readFileSync(file))), 'the unchanged file is in the pack');
    assert.equal(warm.get(file, RuleCache.sha(Buffer.from('edited'))), undefined);
    assert.deepEqual(loadRules([rules], undefined, { cache: warm }).docs, first.docs);
    writeFileSync(file, rule('Second', 'other.exe'));
    assert.equal(loadRules([rules], undefined, { cache: new RuleCache([rules], undefined, cacheDir) }).docs[0]!.meta.title, 'Second');
    writeFileSync(join(cacheDir, packs[0]!), 'not a pack');
    assert.equal(loadRules([rules], undefined, { cache: new RuleCache([rules], undefined, cacheDir) }).docs[0]!.meta.title, 'Second');
    // other placeholders are another pack
    new RuleCache([rules], new Map([['x', ['y']]]), cacheDir).save(new Set());
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.v8')).length, 1, 'an unchanged empty pack is not written');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
