// Microsoft's Kusto parser and semantic analyser (@kusto/language-service-next), loaded once, with a
// global state declaring the tables data/backends/kql.yaml maps to (columns and types).
import { createRequire } from 'node:module';
import type { TargetMapping } from '../../src/sigma/backends/mapping.js';

export interface KustoDiagnostic { code: string; severity: string; message: string; start: number; length: number }

interface KustoList<T> { Count: number; getItem(i: number): T }
type Diags = KustoList<{ Code: string; Severity: string; Message: string; Start: number; Length: number }> | unknown[] | null;
interface KustoLanguage {
  KustoCode: { Parse(text: string): { GetSyntaxDiagnostics(): Diags }; ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): Diags; GetSyntaxDiagnostics(): Diags } };
  GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
  Symbols: { TableSymbol: { $ctor7: new (name: string, schema: string, description: null) => unknown }; DatabaseSymbol: { $ctor1: new (name: string, tables: unknown[], isExternal: boolean) => unknown } };
}

let language: KustoLanguage | undefined;

/** The Bridge.NET runtime (bridge.js) defines the global Bridge the transpiled Kusto.Language needs. */
export function kusto(): KustoLanguage {
  if (!language) {
    const require = createRequire(import.meta.url);
    require('@kusto/language-service-next/bridge.js');
    require('@kusto/language-service-next/Kusto.Language.Bridge.js');
    language = (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
  }
  return language;
}

function toArray(l: Diags): KustoDiagnostic[] {
  if (!l) return [];
  const raw = Array.isArray(l) ? l : Array.from({ length: (l as KustoList<unknown>).Count }, (_, i) => (l as KustoList<unknown>).getItem(i));
  return (raw as { Code: string; Severity: string; Message: string; Start: number; Length: number }[]).map((d) => ({ code: d.Code, severity: d.Severity, message: d.Message, start: d.Start, length: d.Length }));
}

/** A global state whose database holds every table of the mapping. */
export function globalsFor(m: TargetMapping): unknown {
  const K = kusto();
  const tables = Object.entries(m.tables).map(([name, t]) => new K.Symbols.TableSymbol.$ctor7(name, `(${Object.entries(t.columns).map(([c, ty]) => `['${c}']:${ty}`).join(', ')})`, null));
  return K.GlobalState.Default.WithDatabase(new K.Symbols.DatabaseSymbol.$ctor1('db', tables, false));
}

/** Syntax and semantic diagnostics (unknown tables and columns, type errors) of one query. */
export function diagnose(text: string, globals: unknown): KustoDiagnostic[] {
  return toArray(kusto().KustoCode.ParseAndAnalyze(text, globals).GetDiagnostics());
}
