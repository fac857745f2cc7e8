// The bundled rule catalogue for the web UI: the rules under rules/ loaded once with the default
// tuning placeholders (data/tuning/*.yaml), and each rule's query per backend converted on first
// request and cached.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadPlaceholderDir, loadRules } from '../hunt/load-rules.js';
import type { SigmaDocument } from '../sigma/model.js';
import { convertDocuments, makeBackend, type Backend, type Conversion, type Target } from '../sigma/backends/index.js';
import { packageRoot } from '../util/package-root.js';

export const TABS: { target: Target | 'sigma'; label: string }[] = [
  { target: 'sigma', label: 'Sigma' }, { target: 'kql', label: 'KQL' }, { target: 'spl', label: 'SPL' },
  { target: 'esql', label: 'ES|QL' }, { target: 'eql', label: 'EQL' }, { target: 'sql', label: 'SQL' },
];

export interface CatalogueRule {
  key: string;
  doc: Exclude<SigmaDocument, { type: 'filter' }>;
  file: string;
}

export class RuleCatalogue {
  readonly rules: CatalogueRule[] = [];
  readonly problems: string[] = [];
  private readonly docs: SigmaDocument[];
  private readonly byKey = new Map<string, CatalogueRule>();
  private readonly backends = new Map<Target, Promise<Backend>>();
  private readonly cache = new Map<string, Conversion>();
  private readonly root = packageRoot();

  constructor(paths: string[] = [join(packageRoot(), 'rules')]) {
    let placeholders;
    try { placeholders = loadPlaceholderDir(); } catch (e) { this.problems.push(`tuning placeholders: ${(e as Error).message}`); }
    const loaded = loadRules(paths, placeholders);
    this.docs = loaded.docs;
    for (const p of loaded.errors) this.problems.push(`${p.doc}: ${p.message}`);
    for (const d of loaded.docs) {
      if (d.type === 'filter') continue;
      let key = d.meta.id ?? d.meta.name ?? relative(this.root, d.source.path).replace(/[^A-Za-z0-9._-]+/g, '_');
      while (this.byKey.has(key)) key += '_';
      const r: CatalogueRule = { key, doc: d, file: relative(this.root, d.source.path) };
      this.rules.push(r);
      this.byKey.set(key, r);
    }
    this.rules.sort((a, b) => a.doc.meta.title.localeCompare(b.doc.meta.title));
  }

  get(key: string): CatalogueRule | undefined { return this.byKey.get(key); }

  /** The rule file as written (the Sigma tab). */
  source(r: CatalogueRule): string {
    try { return readFileSync(r.doc.source.path, 'utf8'); } catch (e) { return `# cannot read ${r.file}: ${(e as Error).message}`; }
  }

  /** The rule as a query for `target`, or the reason it cannot be one; converted once, then cached. */
  async convert(r: CatalogueRule, target: Target): Promise<Conversion> {
    const k = `${target}\u0000${r.key}`;
    const hit = this.cache.get(k);
    if (hit) return hit;
    let b = this.backends.get(target);
    if (!b) { b = makeBackend(target); this.backends.set(target, b); }
    let conv: Conversion;
    try {
      const backend = await b;
      // the rule, the filters (they apply to the rules they name) and, for a correlation, the rules it reads
      const refs = r.doc.type === 'correlation' ? new Set(r.doc.rules) : new Set<string>();
      const docs = this.docs.filter((d) => d === r.doc || d.type === 'filter' || (d.type === 'rule' && ((d.meta.id && refs.has(d.meta.id)) || (d.meta.name && refs.has(d.meta.name)))));
      const all = convertDocuments(docs, backend);
      conv = all.find((c) => c.path === r.doc.source.path && c.title === r.doc.meta.title) ?? { rule_id: r.doc.meta.id ?? null, title: r.doc.meta.title, target, path: r.doc.source.path, type: r.doc.type, error: 'not converted' };
    } catch (e) {
      conv = { rule_id: r.doc.meta.id ?? null, title: r.doc.meta.title, target, path: r.doc.source.path, type: r.doc.type, error: `cannot convert: ${(e as Error).message}` };
    }
    this.cache.set(k, conv);
    return conv;
  }
}
