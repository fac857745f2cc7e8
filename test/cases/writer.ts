// A hunt that writes findings to a case store in a loop, for the crash and concurrency tests:
//   node --import tsx test/cases/writer.ts DB BATCH [MAX_SECONDS [PAUSE_MS]]
// Prints `hunt N` once, then `batch K` after each committed batch of BATCH findings (new ids, and
// the first batch's ids again, so updates happen too). Stops on `stop` on standard input
// (finishing the hunt) or after MAX_SECONDS (default 60), or when killed; PAUSE_MS between batches
// (default 0).
import { openCaseStore } from '../../src/cases/store.js';
import type { Finding } from '../../src/findings/model.js';

const [db, batchArg, maxArg, pauseArg] = process.argv.slice(2);
if (!db) { process.stderr.write('usage: writer.ts DB BATCH [MAX_SECONDS [PAUSE_MS]]\n'); process.exit(2); }
const batch = Number(batchArg ?? 200);
const deadline = Date.now() + Number(maxArg ?? 60) * 1000;
const pause = Number(pauseArg ?? 0);

function finding(n: number, k: number): Finding {
  const id = `w${String(process.pid).padStart(7, '0')}${String(n).padStart(8, '0')}`;
  return {
    id, title: `Writer finding ${n}`, severity: (['low', 'medium', 'high', 'critical'] as const)[n % 4]!, confidence: 'medium',
    techniques: ['T1505.002'], host: `HOST${n % 7}`, first_seen: '2026-11-02T09:00:00.000Z', last_seen: new Date(Date.UTC(2026, 10, 2, 10, 0, k)).toISOString(),
    count: k + 1, evidence: [{ file: 'writer.jsonl', kind: 'jsonl', line: n + 1 }], fields: { CommandLine: 'x'.repeat(200) },
    rule_id: `writer-rule-${n % 5}`, falsepositives: [], references: [], score: 50, playbook: null,
  };
}

const store = openCaseStore(db);
const hunt = store.beginHunt({ toolVersion: 'test', rulesetVersion: 'writer', commandLine: ['writer', db] });
process.stdout.write(`hunt ${hunt}\n`);
let stop = false;
process.stdin.on('data', (d) => { if (String(d).includes('stop')) stop = true; });
process.stdin.on('error', () => { /* parent gone */ });

let k = 0;
let next = 0;
while (!stop && Date.now() < deadline) {
  const list: Finding[] = [];
  for (let i = 0; i < batch; i++) list.push(finding(k > 0 && i < batch / 10 ? i : next++, k));
  store.recordFindings(hunt, list);
  process.stdout.write(`batch ${++k}\n`);
  await new Promise((r) => (pause > 0 ? setTimeout(r, pause) : setImmediate(r)));
}
store.finishHunt(hunt, { files: { total: 1, read: 1 }, events: next, matches: next, findings: next });
store.close();
process.stdout.write('done\n');
process.stdin.destroy();
