// The floor of a JSON-lines hunt on this machine: stream the file, JSON.parse every line and
// lower-case every string of it once, nothing else. Prints "floor N events".
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

function lowerAll(v: unknown): number {
  if (typeof v === 'string') return v.toLowerCase().length;
  if (Array.isArray(v)) { let n = 0; for (const x of v) n += lowerAll(x); return n; }
  if (v !== null && typeof v === 'object') { let n = 0; for (const k in v) n += lowerAll((v as Record<string, unknown>)[k]); return n; }
  return 0;
}

let events = 0, chars = 0;
for await (const line of createInterface({ input: createReadStream(process.argv[2]!), crlfDelay: Infinity })) {
  if (!line) continue;
  chars += lowerAll(JSON.parse(line));
  events++;
}
process.stderr.write(`floor ${events} events (${chars} characters lower-cased)\n`);
