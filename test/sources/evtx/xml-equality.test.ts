// Field-by-field equality of every decoded record's XML with libevtx's rendering
// (evtx-reference-xml/<path>.xml.gz), after the README's normalisations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CORPORA, SKIP_NO_CORPORA } from '../../support/corpora.js';
import { parseXml } from './xml-tiny.js';
import { compareFields, flatten, jsonDiff, recordIdOf, reparseXmlStrings, xmlToEvtxJson } from './compare.js';
import { decodeFile, manifest } from './corpus.js';

// Every remaining difference, with its cause.
const KNOWN_DIFFERENCES: Record<string, string> = {
  // The record's EventData substitution (a BinXml value) holds two elements, <EventData> and
  // <RenderingInfo>; libevtx renders only the first element of a nested BinXml fragment.
  'evtx/evtx-rs-samples/samples/E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx#161': 'RenderingInfo',
  'evtx/evtx-rs-samples/samples/E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx#968': 'RenderingInfo',
};

test('decoded XML equals the libevtx reference rendering, field by field', { skip: SKIP_NO_CORPORA }, () => {
  let total = 0;
  let equal = 0;
  const diffs: string[] = [];
  const unexpected: string[] = [];
  const jsonMismatches: string[] = [];
  let jsonChecked = 0;
  for (const row of manifest()) {
    const ref = parseXml(gunzipSync(readFileSync(join(CORPORA, 'evtx-reference-xml', row.path + '.xml.gz'))).toString('utf8'));
    const { records } = decodeFile(row.path, { xml: true });
    // The JSON object and the XML text come from the same walk: check they agree on every record.
    for (const r of records) {
      const d = jsonDiff(r.event, xmlToEvtxJson(parseXml(r.xml!)[0]!));
      jsonChecked++;
      if (d) jsonMismatches.push(`${row.path}#${r.recordId}: ${d}`);
    }
    let ri = 0;
    for (const r of records) {
      const re = ref[ri];
      if (!re) break; // libevtx stopped (CAPI2 files) or never rendered (template-less records)
      const mine = parseXml(r.xml!);
      assert.equal(mine.length, 1, `${row.path} #${r.recordId}: one root element`);
      const me = mine[0]!;
      // libevtx leaves out some records of dirty files: align on EventRecordID.
      if (recordIdOf(re) !== recordIdOf(me)) continue;
      ri++;
      total++;
      reparseXmlStrings(me);
      reparseXmlStrings(re);
      const d = compareFields(flatten(me), flatten(re));
      if (d === null) {
        equal++;
        continue;
      }
      const key = `${row.path}#${recordIdOf(me)}`;
      diffs.push(`${key}: ${d}`);
      if (!(key in KNOWN_DIFFERENCES) || !d.includes(KNOWN_DIFFERENCES[key]!)) unexpected.push(`${key}: ${d}`);
    }
    assert.equal(ri, ref.length, `${row.path}: every reference event has a decoded twin`);
  }
  const pct = (100 * equal) / total;
  console.log(`XML equality: ${equal} of ${total} records equal (${pct.toFixed(3)}%)`);
  for (const d of diffs) console.log(`  differs: ${d}`);
  assert.ok(total >= 30000, `compared ${total} records`);
  assert.ok(pct >= 99.9, `only ${pct.toFixed(3)}% equal`);
  assert.deepEqual(unexpected, []);
  console.log(`JSON/XML consistency: ${jsonChecked - jsonMismatches.length} of ${jsonChecked} records`);
  assert.deepEqual(jsonMismatches.slice(0, 20), []);
});
