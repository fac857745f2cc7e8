// tracehound technique ID [--format table|markdown|json] [--store DIR]
import { EXIT, UsageError, parse, usageErrorsFrom } from './args.js';
import { Sink } from '../report/sink.js';
import { visible } from '../report/text.js';
import { contentIds } from '../knowledge/content.js';
import { AttackStoreError, readAttackStore, storeDir, storePath } from '../knowledge/attack-store.js';
import { renderJson, renderMarkdown, renderText, techniquePage, type TechniquePage } from '../knowledge/render.js';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { loadPlaceholderDir, loadRules } from '../hunt/load-rules.js';
import { TARGETS, convertDocuments, makeBackend, type Target } from '../sigma/backends/index.js';

export const TECHNIQUE_HELP = `usage: tracehound technique ID [options]

Print the page of an ATT&CK technique. For T1505.002 (and its parent T1505) the page holds
tracehound's own content: what the technique is, how it works, procedure examples, telemetry,
detection, mitigations, false positives and the response playbook; the official ATT&CK fields
(description, version, platforms, mitigations, procedure examples, detection strategies, analytics
and data components) are added when an ATT&CK bundle has been imported ('tracehound attack
import'). Any other technique in the imported data is shown with its official fields only.

  --format F         table (plain text, the default), markdown or json
  --store DIR        the ATT&CK store to read (default: $TRACEHOUND_HOME, else ~/.tracehound)
  --queries TARGET   add the bundled rules' queries for the technique: kql, spl, esql, eql or sql
  -o, --out FILE     write the page to FILE
  -q, --quiet        no notes on standard error

Exit status: 0 done, 2 usage error, unknown technique id, or an unreadable store.`;

const PAGE_FORMATS = ['table', 'markdown', 'json'] as const;
type PageFormat = (typeof PAGE_FORMATS)[number];

export async function techniqueCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
    store: { type: 'string' },
    queries: { type: 'string' },
  });
  if (values.help) { process.stdout.write(TECHNIQUE_HELP + '\n'); return EXIT.ok; }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `technique takes one technique id (got ${positionals.length})` : 'technique needs a technique id, e.g. T1505.002');
  const raw = positionals[0]!.trim();
  const id = raw.toUpperCase();
  if (!/^T\d{4}(\.\d{3})?$/.test(id)) throw new UsageError(`'${visible(raw)}' is not an ATT&CK technique id (T followed by four digits, optionally .three digits, e.g. T1505.002)`);
  const fmt = (values.format ?? 'table') === 'md' ? 'markdown' : (values.format ?? 'table');
  if (!(PAGE_FORMATS as readonly string[]).includes(fmt)) throw new UsageError(`--format must be one of ${PAGE_FORMATS.join(', ')}; got '${visible(fmt)}'`);
  const format = fmt as PageFormat;

  const dir = storeDir(values.store);
  const store = await usageErrorsFrom([AttackStoreError], () => readAttackStore(dir));
  const page = techniquePage(id, store);
  if (!page) {
    const own = contentIds().join(', ');
    const where = store
      ? `and it is not in the imported ATT&CK data (${store.info.file}, ${Object.keys(store.extract.techniques).length} techniques)`
      : `and no ATT&CK data is imported (${storePath(dir)} does not exist; run 'tracehound attack import FILE' to add the official techniques)`;
    process.stderr.write(`tracehound: unknown technique ${id}: tracehound has no content for it (it has ${own}), ${where}\n`);
    return EXIT.usage;
  }
  if (values.queries !== undefined) page.queries = await ruleQueries(id, values.queries);
  const sink = new Sink(values.out);
  const width = values.out === undefined && process.stdout.isTTY ? process.stdout.columns || 100 : 100;
  sink.write(format === 'json' ? renderJson(page) : format === 'markdown' ? renderMarkdown(page) : renderText(page, width));
  sink.end();
  if (!values.quiet && format === 'json') for (const n of page.notes) process.stderr.write(`tracehound: ${visible(n)}\n`);
  return EXIT.ok;
}

/** The bundled rules tagged with the technique (or a sub-technique of it), converted to `target`. */
async function ruleQueries(id: string, target: string): Promise<NonNullable<TechniquePage['queries']>> {
  if (!(TARGETS as readonly string[]).includes(target)) throw new UsageError(`--queries must be one of ${TARGETS.join(', ')}; got '${visible(target)}'`);
  const loaded = loadRules([join(packageRoot(), 'rules')], loadPlaceholderDir());
  const tag = `attack.${id.toLowerCase()}`;
  const docs = loaded.docs.filter((d) => d.meta.tags.some((t) => t === tag || t.startsWith(`${tag}.`)));
  const conversions = convertDocuments(docs, await makeBackend(target as Target));
  return { target, rules: conversions.map((c) => ({ rule_id: c.rule_id, title: c.title, ...(c.query !== undefined ? { query: c.query } : { error: c.error ?? 'not converted' }) })) };
}
