// The end of a test run: skipped tests grouped by reason, and what to install to run them.

/** What makes each kind of skipped test run: matched against the skip reason. */
const REMEDIES = [
  { re: /\bmcs\b|mono-mcs/i, apt: 'mono-mcs' },
  { re: /osslsigncode/i, apt: 'osslsigncode' },
  { re: /\bopenssl\b/i, apt: 'openssl' },
  { re: /chromium/i, apt: 'chromium' },
  { re: /shared\/corpora/i, other: 'put the test corpora at ../shared/corpora beside the project (README, "Tests")' },
];

/**
 * Lines summarising skipped tests (`records`: {kind, name, file, reason} from test-skip-reporter.mjs):
 * one per distinct reason with its count, most frequent first, then one line saying how to run them.
 */
export function skipSummary(records) {
  const skips = records.filter((r) => r.kind === 'skip');
  const todos = records.filter((r) => r.kind === 'todo');
  if (!skips.length && !todos.length) return ['tests: none skipped'];
  const byReason = new Map();
  for (const r of skips) {
    const reason = r.reason.trim() || '(no reason given)';
    const g = byReason.get(reason) ?? { n: 0, files: new Set() };
    g.n++;
    if (r.file) g.files.add(r.file);
    byReason.set(reason, g);
  }
  const groups = [...byReason].sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]));
  const out = [`tests: ${skips.length} skipped for ${groups.length} reason${groups.length === 1 ? '' : 's'}${todos.length ? `, ${todos.length} todo` : ''}:`];
  for (const [reason, g] of groups) out.push(`  ${String(g.n).padStart(4)}  ${reason}${g.files.size > 1 ? ` (${g.files.size} files)` : ''}`);
  const apt = new Set(), other = new Set();
  for (const m of REMEDIES) {
    if (!groups.some(([reason]) => m.re.test(reason))) continue;
    if (m.apt) apt.add(m.apt);
    if (m.other) other.add(m.other);
  }
  const how = [];
  if (apt.size) how.push(`sudo apt-get install ${[...apt].join(' ')}`);
  how.push(...other);
  if (how.length) out.push(`  to run them: ${how.join('; ')}`);
  return out;
}
