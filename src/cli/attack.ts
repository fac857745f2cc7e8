// tracehound attack import FILE|DIR [--store DIR]; tracehound attack info [--store DIR]
import { EXIT, UsageError, parse, say, usageErrorsFrom } from './args.js';
import { Sink } from '../report/sink.js';
import { visible } from '../report/text.js';
import { AttackImportError, importAttack, MAX_INPUT_BYTES, type AttackExtract } from '../knowledge/attack-import.js';
import { AttackStoreError, readAttackStore, storeDir, storePath, writeAttackStore } from '../knowledge/attack-store.js';
import { safeJson } from '../knowledge/render.js';

export const ATTACK_HELP = `usage: tracehound attack import FILE|DIR [options]
       tracehound attack info [options]

import  Read an ATT&CK STIX 2.x bundle (JSON, or gzip-compressed JSON; recognised by content, not
        name) or a folder of STIX object files (the layout of mitre/cti, one object per file), and
        save a compact extract of every technique in the local store: names, descriptions,
        versions, platforms, tactics, parents, mitigations, procedure examples, detection
        strategies, analytics and data components (and the detection fields of older releases).
        'tracehound technique ID' shows them. Inputs over ${MAX_INPUT_BYTES >> 30} GiB are refused.
info    Print what the store holds.

  --store DIR        the store folder (default: $TRACEHOUND_HOME, else ~/.tracehound); file attack.json
  --format F         json: print the import summary (or the store's description) as JSON
  -o, --out FILE     write that JSON to FILE
  -q, --quiet        no summary on standard error

Exit status: 0 done, 2 usage error or an unreadable, oversized or malformed input.`;

function summaryRecord(x: AttackExtract, file: string, seconds: number) {
  return {
    store: file,
    source: x.source,
    imported_at: x.imported_at,
    seconds: Number(seconds.toFixed(3)),
    bundle: x.bundle,
    counts: x.counts,
    problems: x.problems,
  };
}

export async function attackCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(ATTACK_HELP + '\n');
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  const { values, positionals } = parse(rest, {
    store: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) { process.stdout.write(ATTACK_HELP + '\n'); return EXIT.ok; }
  if (values.format !== undefined && values.format !== 'json' && values.format !== 'table') throw new UsageError(`--format must be json or table; got '${visible(values.format)}'`);
  const dir = storeDir(values.store);

  if (sub === 'info') {
    if (positionals.length) throw new UsageError(`attack info takes no arguments (got '${visible(positionals[0]!)}')`);
    const store = await usageErrorsFrom([AttackStoreError], () => readAttackStore(dir));
    if (!store) { process.stderr.write(`tracehound: no ATT&CK data imported (${storePath(dir)} does not exist); run 'tracehound attack import FILE'\n`); return EXIT.usage; }
    const x = store.extract;
    if (values.format === 'json') {
      const sink = new Sink(values.out);
      sink.write(safeJson({ store: store.info.file, source: x.source, imported_at: x.imported_at, import_ms: x.import_ms, bundle: x.bundle, counts: x.counts }, 2) + '\n');
      sink.end();
    } else {
      const lines = [
        `store:        ${store.info.file}`,
        `imported:     ${x.imported_at} in ${(x.import_ms / 1000).toFixed(2)} s`,
        `source:       ${visible(x.source.path)} (${x.source.kind}, ${x.source.files} file(s), ${x.source.bytes.toLocaleString('en')} bytes read, ${x.source.json_bytes.toLocaleString('en')} bytes of JSON)`,
        `ATT&CK:       ${x.bundle.attack_version ? `version ${visible(x.bundle.attack_version)}` : 'release not stated in the bundle'}; newest object ${visible(x.bundle.newest_modified ?? '?')}; domains ${x.bundle.domains.map(visible).join(', ') || '?'}`,
        `STIX:         spec ${x.bundle.spec_versions.map(visible).join(', ') || 'not stated'}; ATT&CK spec ${x.bundle.attack_spec_versions.map(visible).join(', ') || '?'}`,
        `techniques:   ${x.counts['techniques'] ?? 0} techniques, ${x.counts['subtechniques'] ?? 0} sub-techniques (${x.counts['techniques_active'] ?? 0} neither revoked nor deprecated)`,
        `links:        ${x.counts['mitigation_links'] ?? 0} mitigations, ${x.counts['procedure_links'] ?? 0} procedure examples, ${x.counts['detection_strategy_links'] ?? 0} detection strategies; ${x.counts['data_components_linked'] ?? 0} data components`,
      ];
      const sink = new Sink(values.out);
      sink.write(lines.join('\n') + '\n');
      sink.end();
    }
    return EXIT.ok;
  }

  if (sub !== 'import') throw new UsageError(`unknown attack subcommand '${visible(sub)}' (import or info)`);
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'attack import takes one FILE or DIR' : 'attack import needs a FILE (STIX bundle, JSON or .json.gz) or a DIR of STIX object files');
  const t0 = performance.now();
  let x: AttackExtract;
  try {
    x = await importAttack(positionals[0]!);
  } catch (e) {
    if (e instanceof AttackImportError) throw new UsageError(`cannot import ATT&CK data: ${visible(e.message)}`);
    throw e;
  }
  let file: string;
  try {
    file = writeAttackStore(dir, x);
  } catch (e) {
    throw new UsageError(`cannot write the ATT&CK store in ${dir}: ${(e as Error).message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const c = x.counts;
  for (const p of x.problems.slice(0, 20)) say(values.quiet, `tracehound: ${visible(p)}`);
  if (x.problems.length > 20) say(values.quiet, `tracehound: … and ${x.problems.length - 20} more problems`);
  if (x.source.skipped.length) say(values.quiet, `tracehound: skipped ${x.source.skipped.length} file(s) that are neither JSON nor gzip: ${x.source.skipped.slice(0, 3).map(visible).join(', ')}${x.source.skipped.length > 3 ? ', …' : ''}`);
  say(values.quiet,
    `tracehound: imported ${visible(x.source.path)} in ${seconds.toFixed(2)} s: ${c['objects']} STIX objects` +
    ` (${c['attack-pattern'] ?? 0} attack-patterns, ${c['relationship'] ?? 0} relationships, ${c['x-mitre-detection-strategy'] ?? 0} detection strategies,` +
    ` ${c['x-mitre-analytic'] ?? 0} analytics, ${c['x-mitre-data-component'] ?? 0} data components);` +
    ` ${c['techniques']} techniques and ${c['subtechniques']} sub-techniques (${c['techniques_active']} active),` +
    ` ${c['mitigation_links']} mitigation, ${c['procedure_links']} procedure and ${c['detection_strategy_links']} detection-strategy links;` +
    ` ATT&CK ${x.bundle.attack_version ? visible(x.bundle.attack_version) : 'release not stated'}, newest object ${visible(x.bundle.newest_modified ?? '?')}; store ${file}`);
  if (values.format === 'json') {
    const sink = new Sink(values.out);
    sink.write(safeJson(summaryRecord(x, file, seconds), 2) + '\n');
    sink.end();
  }
  return EXIT.ok;
}
