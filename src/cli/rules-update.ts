// tracehound rules update: fetch (or take from a file) a SigmaHQ release package, verify it, keep it
// under $TRACEHOUND_HOME/rules/sigma/ and say what changed.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, parse, say, usageErrorsFrom } from './args.js';
import { download, DownloadError } from '../util/download.js';
import { sha256File } from '../cases/hash.js';
import { tracehoundHome } from '../util/home.js';
import { installPackage, localPackageSize, MAX_PACKAGE_BYTES, RuleStoreError, SIGMA_PACKAGES, SIGMA_RELEASE_URL, type RuleChange, type UpdateResult } from '../hunt/rule-store.js';
import { Sink } from '../report/sink.js';
import { visible } from '../report/text.js';

export const UPDATE_HELP = `usage: tracehound rules update [--package NAME] [--from URL|FILE] [--sha256 HEX] [--format table|json]

Fetch a SigmaHQ rule release package, check it, and keep it as the rule set 'hunt --rules sigma'
runs, under $TRACEHOUND_HOME/rules/sigma/current (else ~/.tracehound/...). Prints how many rules
were added, removed and changed since the set it replaces (kept as previous/).

  --package NAME   ${Object.keys(SIGMA_PACKAGES).join(', ')} (default all: ${SIGMA_PACKAGES['all']})
  --from URL|FILE  where to take it: an https:// URL (default: the latest SigmaHQ release,
                   ${SIGMA_RELEASE_URL}<package>), or a zip file already on this machine
                   (air-gapped use: download it elsewhere, check it, bring it over)
  --sha256 HEX     refuse the package unless its SHA-256 is HEX (SigmaHQ publishes no checksum
                   file: take it from a copy you trust, or pin the one this command printed before)
  --format F       table (default on a terminal) or json
  -o, --out FILE   write the report to FILE
  -q, --quiet      no messages on standard error

Verification: HTTPS only (plain HTTP only to 127.0.0.1/localhost), at most ${MAX_PACKAGE_BYTES / 1024 / 1024} MiB, the zip
unpacked with the evidence reader's limits (no member outside the folder, no zip bomb), and the
set replaced only when its rules load. The SHA-256 is printed and recorded every time.`;

function list(title: string, xs: RuleChange[], max = 15): string {
  if (!xs.length) return '';
  const shown = xs.slice(0, max).map((x) => `  ${visible(x.title || x.path)}  (${visible(x.id)})`).join('\n');
  return `${title}:\n${shown}${xs.length > max ? `\n  … and ${xs.length - max} more (--format json lists all)` : ''}\n`;
}

function reportText(r: UpdateResult): string {
  const head = `SigmaHQ rules ${r.upToDate ? 'already up to date' : 'updated'}: ${visible(r.source)}\n` +
    `  sha256 ${r.sha256}, ${r.bytes.toLocaleString('en')} bytes\n  kept in ${visible(r.dir)}\n`;
  if (r.upToDate) return head + `  ${r.rules.toLocaleString('en')} rules, the same package as installed ${r.previous?.updated ?? ''}\n`;
  let out = head + `  ${r.rules.toLocaleString('en')} rules: ${r.loaded.toLocaleString('en')} load, ${r.failed} fail ('tracehound rules check ${visible(r.dir)}' names them)\n`;
  out += r.previous
    ? `  against the set of ${r.previous.updated} (sha256 ${r.previous.sha256.slice(0, 12)}…): ${r.added.length} added, ${r.removed.length} removed, ${r.changed.length} changed, ${r.unchanged} unchanged\n`
    : `  first install: ${r.added.length} rules added\n`;
  if (r.previous) out += list('added', r.added) + list('removed', r.removed) + list('changed', r.changed);
  return out;
}

export async function updateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, package: { type: 'string' }, from: { type: 'string' }, sha256: { type: 'string' } });
  if (values.help) { process.stdout.write(UPDATE_HELP + '\n'); return EXIT.ok; }
  if (positionals.length) throw new UsageError(`rules update takes no paths (got '${positionals[0]}'); use --from FILE for a package on this machine`);
  const format = formatOption(values.format, values.out !== undefined, ['table', 'json'] as const);
  const pkgName = values.package ?? 'all';
  const asset = SIGMA_PACKAGES[pkgName];
  if (!asset) throw new UsageError(`--package must be one of ${Object.keys(SIGMA_PACKAGES).join(', ')}; got '${pkgName}'`);
  const want = values.sha256?.trim().toLowerCase();
  if (want !== undefined && !/^[0-9a-f]{64}$/.test(want)) throw new UsageError('--sha256 needs 64 hexadecimal digits');
  const from = values.from ?? SIGMA_RELEASE_URL + encodeURIComponent(asset);
  const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(from);

  let file: string, bytes: number, sha256: string, source: string, temp: string | null = null;
  if (remote) {
    say(values.quiet, `tracehound: fetching ${visible(from)}`);
    const d = await usageErrorsFrom([DownloadError], () => download(from, MAX_PACKAGE_BYTES));
    ({ path: file, bytes, sha256 } = d);
    source = d.url;
    temp = dirname(file);
  } else {
    file = from;
    bytes = await usageErrorsFrom([RuleStoreError], () => localPackageSize(from));
    sha256 = await sha256File(from);
    source = from;
  }
  try {
    if (want !== undefined && want !== sha256) throw new UsageError(`${visible(source)}: SHA-256 is ${sha256}, not the ${want} given with --sha256; nothing installed`);
    const r = await usageErrorsFrom([RuleStoreError], () => installPackage(file, { source, sha256, bytes }, tracehoundHome()));
    for (const p of r.problems.slice(0, 20)) say(values.quiet, `tracehound: ${visible(source)}: ${visible(p)}`);
    if (r.problems.length > 20) say(values.quiet, `tracehound: … and ${r.problems.length - 20} more members not unpacked`);
    const sink = new Sink(values.out);
    sink.write(format === 'json' ? JSON.stringify({ schema: 'tracehound.rules-update/1', ...r }, null, 2) + '\n' : reportText(r));
    sink.end();
    return EXIT.ok;
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}
