// Record counts over every file of the corpus manifest, against libevtx and evtx-rs expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SKIP_NO_CORPORA } from '../../support/corpora.js';
import { decodeFile, evtxRsOk, groupOf, manifest } from './corpus.js';

// libevtx silently drops records on these dirty files; evtx-rs (and this decoder) read them.
const LIBEVTX_DROPS: Record<string, number> = {
  'evtx/evtx-rs-samples/samples/Microsoft-Windows-HelloForBusiness%4Operational.evtx': 6,
  'evtx/evtx-rs-samples/samples/Microsoft-Windows-LanguagePackSetup%4Operational.evtx': 17,
  // 270 before the damaged record at chunk offset 8288, 31 after it (resynchronised)
  'evtx/evtx-rs-samples/samples/sample_with_a_bad_chunk_magic.evtx': 301,
};
// Records after a damaged one, read by resynchronising on the next record signature in the chunk
// (libevtx and a naive walk stop the chunk there). Every one has an id in its chunk header's range.
const RESYNCHRONISED: Record<string, number> = {
  'evtx/evtx-rs-samples/samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx': 1774 + 21,
  'evtx/evtx-rs-samples/samples/sample-with-zero-data-size-event.evtx': 335 + 114,
};
// libevtx fails on these (entity references in attributes, template-less records); every record must decode.
const LIBEVTX_FAILS: Record<string, number> = {
  'evtx/evtx-rs-samples/samples/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx': 340,
  'evtx/evtx-rs-samples/samples/E_ShadowCopy6_windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx': 459,
  'evtx/evtx-rs-samples/samples/MSExchange_Management_wec.evtx': 1,
  'evtx/evtx-rs-samples/samples/issue_201.evtx': 1,
};
// Records the decoder reports as undecodable, with the reason (all in corrupted dirty files;
// evtx-rs counts them as errors too: "1910 ok / 4 err", "1774 ok / 2 err").
const EXPECTED_RECORD_FAILURES: Record<string, number> = {
  'evtx/evtx-rs-samples/samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx': 2,
  'evtx/evtx-rs-samples/samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx': 1,
};

test('record counts for every manifest file', { skip: SKIP_NO_CORPORA }, () => {
  const rows = manifest();
  assert.ok(rows.length > 300, 'manifest has the expected files');
  const groups = new Map<string, { files: number; records: number }>();
  let total = 0;
  const t0 = performance.now();
  for (const row of rows) {
    const { records, problems } = decodeFile(row.path);
    const n = records.length;
    total += n;
    const g = groups.get(groupOf(row.path)) ?? { files: 0, records: 0 };
    g.files++;
    g.records += n;
    groups.set(groupOf(row.path), g);

    const where = `${row.path}: decoded ${n}`;
    if (row.path in LIBEVTX_DROPS) assert.equal(n, LIBEVTX_DROPS[row.path], where);
    else if (row.path in RESYNCHRONISED) assert.equal(n, RESYNCHRONISED[row.path], where);
    else if (row.path in LIBEVTX_FAILS) assert.equal(n, LIBEVTX_FAILS[row.path], where);
    else if (row.libevtxRc === 0) assert.equal(n, row.libevtxEvents, `${where}, libevtx ${row.libevtxEvents}`);
    else assert.fail(`${row.path}: libevtx failed on a file this test does not know about`);
    const ok = evtxRsOk(row.evtxRsExpected);
    if (ok !== null) assert.ok(n >= ok, `${where}, evtx-rs expects ${row.evtxRsExpected}`);
    assert.ok(n >= row.walkRecords, `${where}, a naive walk finds ${row.walkRecords}`);
    for (const r of records) assert.ok(r.event && typeof r.event === 'object');

    const failed = problems.filter((p) => (p.kind === 'binxml' || p.kind === 'record') && /skipped/.test(p.message) && p.record !== undefined && /^record \d+ skipped/.test(p.message));
    assert.equal(failed.length, EXPECTED_RECORD_FAILURES[row.path] ?? 0, `${row.path}: ${failed.map((p) => p.message).join('; ')}`);
  }
  const ms = performance.now() - t0;
  const lines = [...groups].sort().map(([k, v]) => `  ${k.padEnd(32)} ${String(v.files).padStart(4)} files ${String(v.records).padStart(7)} records`);
  console.log(`decoded ${total} records from ${rows.length} files in ${ms.toFixed(0)} ms\n${lines.join("\n")}`);
});
