// Per-rule match counts of a hunt, to prove a change to the engine's speed keeps every answer:
//   node --import tsx scripts/rule-counts.ts OUT.json --rules DIR INPUT...     record counts
//   node --import tsx scripts/rule-counts.ts --compare BEFORE.json --rules DIR INPUT...
// (the bench's real-event corpus is $TMPDIR/tracehound-bench-corpus/base.jsonl after `npm run bench`).
import { readFileSync, writeFileSync } from 'node:fs';
import { countDiff, ruleCounts, type RuleCounts } from '../test/support/rule-counts.js';

const args = process.argv.slice(2);
const compare = args[0] === '--compare';
const target = compare ? args[1]! : args[0]!;
const rest = args.slice(compare ? 2 : 1);
const rules: string[] = [], inputs: string[] = [];
for (let i = 0; i < rest.length; i++) if (rest[i] === '--rules') rules.push(rest[++i]!); else inputs.push(rest[i]!);
if (!target || !rules.length || !inputs.length) { console.error('usage: rule-counts.ts [--compare] FILE.json --rules DIR INPUT...'); process.exit(2); }
const t0 = Date.now();
const now = await ruleCounts(inputs, rules);
console.error(`${now.events} events, ${now.hits} matches of ${Object.keys(now.rules).length} rules in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
if (!compare) { writeFileSync(target, JSON.stringify(now, null, 1) + '\n'); process.exit(0); }
const diff = countDiff(JSON.parse(readFileSync(target, 'utf8')) as RuleCounts, now);
for (const d of diff) console.log(d);
console.log(diff.length ? `${diff.length} differences` : 'same counts for every rule');
process.exit(diff.length ? 1 : 0);
