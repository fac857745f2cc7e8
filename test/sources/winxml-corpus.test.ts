// Event XML against the EVTX it was rendered from: for every SigmaHQ regression case, libevtx's XML
// rendering of the case's EVTX (corpora/evtx-reference-xml) hunted with the case's rule must give the
// same number of matches as the EVTX itself. libevtx writes some values unlike Windows/evtx-rs
// (zero-padded HexInt, GUIDs in braces, 9-digit fractions); the reader keeps what the file says, so a
// rule on such a value can differ. Differences are listed with their reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { CORPORA, SKIP_NO_CORPORA } from '../support/corpora.js';
import { ruleFiles, loadRules } from '../../src/hunt/load-rules.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import { hunt } from '../../src/hunt/run.js';

interface Info { rule_metadata: { id: string }[]; regression_tests_info: { path: string; match_count?: number }[] }

test('libevtx XML renderings of the SigmaHQ regression EVTX files match as often as the EVTX files', { skip: SKIP_NO_CORPORA }, async () => {
  const reg = join(CORPORA, 'sigma-regression');
  const tmp = fs.mkdtempSync(join(os.tmpdir(), 'th-wxc-'));
  try {
    const ruleById = new Map<string, string>();
    for (const dir of [join(CORPORA, 'sigma-rules'), join(reg, 'rules-emerging-threats'), join(reg, 'rules-threat-hunting')]) {
      for (const f of ruleFiles(dir)) {
        const m = /^id:\s*([0-9a-f-]{36})/m.exec(fs.readFileSync(f, 'utf8'));
        if (m) ruleById.set(m[1]!, f);
      }
    }
    const infos = ruleFiles(join(reg, 'regression_data')).filter((f) => f.endsWith('info.yml'));
    let cases = 0, same = 0, matched = 0, noReference = 0, xmlProblems = 0;
    const differing: string[] = [];
    for (const infoPath of infos) {
      const info = parse(fs.readFileSync(infoPath, 'utf8')) as Info;
      const id = info.rule_metadata[0]!.id;
      const ruleFile = ruleById.get(id);
      if (!ruleFile) continue;
      const loaded = loadRules([ruleFile]);
      if (loaded.errors.length) continue;
      const rs = new RuleSet(loaded.docs);
      for (const t of info.regression_tests_info ?? []) {
        const evtx = join(reg, t.path);
        const gz = join(CORPORA, 'evtx-reference-xml', 'sigma-regression', t.path + '.xml.gz');
        if (!fs.existsSync(evtx)) continue;
        if (!fs.existsSync(gz)) { noReference++; continue; }
        const xml = join(tmp, `case-${cases}.xml`);
        fs.writeFileSync(xml, gunzipSync(fs.readFileSync(gz)));
        cases++;
        const count = async (path: string) => {
          let n = 0;
          const s = await hunt({ paths: [path], ruleset: rs, threads: 0, onHit: (h) => { if (h.rule.meta.id === id) n++; } });
          return { n, s };
        };
        const a = await count(evtx);
        const b = await count(xml);
        xmlProblems += b.s.recordProblems;
        assert.equal(b.s.eventsByKind['xml'] ?? 0, a.s.eventsByKind['evtx'] ?? 0, `${t.path}: events read from XML and EVTX`);
        if (b.n > 0) matched++;
        if (a.n === b.n) same++;
        else differing.push(`${id} ${t.path}: evtx ${a.n}, xml ${b.n}`);
        fs.rmSync(xml);
      }
    }
    const rate = same / cases;
    console.log(`event XML vs EVTX: ${same}/${cases} cases agree (${(rate * 100).toFixed(1)}%), the rule matches the XML in ${matched}; ${noReference} cases have no libevtx rendering; ${xmlProblems} XML problems`);
    for (const d of differing) console.log(`  differs: ${d}`);
    assert.ok(cases >= 150, `expected the full regression set, found ${cases} cases`);
    assert.equal(xmlProblems, 0);
    assert.ok(matched >= cases * 0.95, `the rules match the XML in only ${matched} of ${cases} cases`);
    assert.ok(rate >= 0.98, `agreement ${(rate * 100).toFixed(1)}% is below 98%`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
