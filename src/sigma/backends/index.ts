// Sigma documents -> one query per rule for a target (`tracehound rules convert`).
import type { CorrelationRule, FilterRule, SigmaDocument, SigmaRule } from '../model.js';
import { ConversionError, lowerRule } from './ir.js';
import type { Backend, BackendOptions, Conversion, CorrelationInput, Target } from './types.js';
import { TARGETS } from './types.js';
import { loadMapping } from './mapping.js';
import { MAILFLOW_LOGSOURCE } from '../../mailflow/stage.js';

export { TARGETS };
export type { Backend, BackendOptions, Conversion, Target };

export async function makeBackend(target: Target, opts: BackendOptions = {}): Promise<Backend> {
  switch (target) {
    case 'sql': { const { SqlBackend } = await import('./sql.js'); return new SqlBackend(opts.dialect, loadMapping(opts.mapping ?? 'sql')); }
    case 'kql': { const { KqlBackend } = await import('./kql.js'); return new KqlBackend(loadMapping(opts.mapping ?? 'kql')); }
    case 'spl': { const { SplBackend } = await import('./spl.js'); return new SplBackend(loadMapping(opts.mapping ?? 'spl')); }
    case 'esql': { const { EsqlBackend } = await import('./esql.js'); return new EsqlBackend(loadMapping(opts.mapping ?? 'ecs')); }
    case 'eql': { const { EqlBackend } = await import('./eql.js'); return new EqlBackend(loadMapping(opts.mapping ?? 'ecs')); }
  }
}

function base(d: SigmaDocument, target: Target, type: Conversion['type']): Conversion {
  return { rule_id: d.meta.id ?? null, title: d.meta.title, target, path: d.source.path, type };
}

function failure(c: Conversion, e: unknown): Conversion {
  if (e instanceof ConversionError) return { ...c, error: e.message, reason: e.reason };
  return { ...c, error: `internal error: ${(e as Error).message}`, reason: 'internal error' };
}

/** Convert every rule and correlation of a set of documents; filters apply to the rules they name. */
export function convertDocuments(docs: SigmaDocument[], backend: Backend): Conversion[] {
  const filters = docs.filter((d): d is FilterRule => d.type === 'filter');
  const byRef = new Map<string, SigmaRule | CorrelationRule>();
  for (const d of docs) if (d.type !== 'filter') { if (d.meta.id) byRef.set(d.meta.id, d); if (d.meta.name) byRef.set(d.meta.name, d); }
  const out: Conversion[] = [];
  for (const d of docs) {
    if (d.type === 'filter') continue;
    if (d.type === 'rule') {
      const c = base(d, backend.target, 'rule');
      try {
        if (d.logsource.product === MAILFLOW_LOGSOURCE.product && d.logsource.service === MAILFLOW_LOGSOURCE.service) {
          throw new ConversionError('reads the messages tracehound hunt assembles from message tracking logs (logsource exchange/mailflow); no SIEM table holds them: run tracehound hunt on the logs', 'derived logsource');
        }
        out.push({ ...c, query: backend.rule(d, lowerRule(d, filters)) });
      } catch (e) { out.push(failure(c, e)); }
      continue;
    }
    const c = base(d, backend.target, 'correlation');
    try {
      const inputs: CorrelationInput[] = d.rules.map((ref) => {
        const r = byRef.get(ref);
        if (!r) throw new ConversionError(`refers to unknown rule '${ref}' (convert it together with the rules it reads)`, 'correlation');
        if (r.type !== 'rule') throw new ConversionError(`reads another correlation ('${ref}'); chained correlations are not supported by the query backends`, 'correlation');
        return { ref, rule: r, expr: lowerRule(r, filters) };
      });
      out.push({ ...c, query: backend.correlation(d, inputs) });
    } catch (e) { out.push(failure(c, e)); }
  }
  return out;
}

/** A rule's name in packs and messages. */
function convKey(c: Conversion): string {
  return c.rule_id ?? c.title;
}

/** One text file holding every query, each under a comment naming its rule; failures listed at the end. */
export function queryPack(backend: Backend, convs: Conversion[], header: string[] = []): string {
  const parts: string[] = [];
  if (header.length) parts.push(backend.comment(header.join('\n')));
  for (const c of convs) if (c.query !== undefined) parts.push(`${backend.comment(`${c.title}\n${c.type === 'correlation' ? 'correlation ' : ''}${c.rule_id ?? ''} (${c.path})`)}\n${c.query}`);
  const failed = convs.filter((c) => c.error !== undefined);
  if (failed.length) parts.push(backend.comment([`${failed.length} rule(s) not converted:`, ...failed.map((c) => `${convKey(c)} ${c.title}: ${c.error}`)].join('\n')));
  return parts.join(backend.separator) + '\n';
}
