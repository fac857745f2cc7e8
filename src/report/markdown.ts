// Findings as Markdown for a ticket: a summary, then per finding its facts, evidence, matched
// fields, why it matters, the false positives to rule out, the playbook as a checklist and the
// references. Evidence values go in code spans that cannot be broken out of; all other text is
// escaped (mdText); sizes are capped.
import type { FieldValue } from '../events/model.js';
import type { Finding, PlaybookStep } from '../findings/model.js';
import { capText, mdCode, mdLink, mdText } from './escape.js';
import { visible } from './text.js';
import { countByHost, countBySeverity, evidenceWhere, SEVERITIES_DESC, sortFindings, timeRange, type ReportSummary } from './summary.js';

export const MARKDOWN_LIMITS = { findings: 200, evidence: 20, fields: 30, valueChars: 2000, textChars: 4000, listItems: 20, steps: 30 };

export interface MarkdownOptions {
  title?: string;
  /** most findings written in full (default MARKDOWN_LIMITS.findings); the rest are counted */
  maxFindings?: number;
}

/** A field's value as one line of text: strings as they are, anything else as JSON. */
function fieldText(v: FieldValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? 'null';
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** Paragraphs of (possibly multi-line) text, each escaped and flattened. */
function paragraphs(s: string): string {
  return capText(s, MARKDOWN_LIMITS.textChars).split(/\r?\n[ \t]*\r?\n/).map((p) => p.trim()).filter(Boolean).map(mdText).join('\n\n');
}

function summaryLines(s: ReportSummary | undefined): string[] {
  if (!s) return [];
  const out: string[] = [];
  const made = [s.generated ? `Generated ${mdText(s.generated)}` : 'Generated', s.tool ? `by ${mdText(s.tool)}` : ''].filter(Boolean).join(' ');
  const inputs = s.inputs.slice(0, MARKDOWN_LIMITS.listItems).map((p) => mdCode(capText(p, 300))).join(', ') + (s.inputs.length > MARKDOWN_LIMITS.listItems ? ` and ${s.inputs.length - MARKDOWN_LIMITS.listItems} more` : '');
  out.push(`${made}${s.inputs.length ? ` from ${inputs}` : ''}.`);
  const run: string[] = [];
  if (s.files) run.push(`${s.files.read} of ${plural(s.files.total, 'file')} read${s.files.skipped ? `, ${s.files.skipped} skipped` : ''}${s.files.unreadable ? `, ${s.files.unreadable} unreadable` : ''}`);
  if (s.events !== undefined) run.push(plural(s.events, 'event'));
  if (s.rules) run.push(`${plural(s.rules.loaded, 'rule')} and ${plural(s.rules.correlations, 'correlation')}${s.rules.failed ? ` (${s.rules.failed} failed to load)` : ''}`);
  if (s.matches !== undefined) run.push(`${plural(s.matches, 'match', 'matches')}${s.correlationMatches ? ` and ${plural(s.correlationMatches, 'correlation match', 'correlation matches')}` : ''}`);
  if (s.audited) run.push(`${plural(s.audited, 'Exchange configuration, export or DLL file')} audited`);
  if (s.recordProblems) run.push(`${plural(s.recordProblems, 'unusable record')}`);
  if (s.window && (s.window.from || s.window.to)) run.push(`window ${mdText(s.window.from ?? '…')} to ${mdText(s.window.to ?? '…')}`);
  if (run.length) out.push('', `Run: ${run.join('; ')}.`);
  return out;
}

function stepLine(s: PlaybookStep): string[] {
  const head = `- [ ] ${mdText(capText(s.title, 300))} — ${mdText(capText(s.text, MARKDOWN_LIMITS.textChars))}${s.phase ? ` (${mdText(s.phase)})` : ''}`;
  const out = [head];
  if (s.commands?.length) {
    const body = s.commands.map((c) => capText(c, MARKDOWN_LIMITS.valueChars)).join('\n');
    let longest = 2;
    for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
    const fence = '`'.repeat(longest + 1);
    // visible(): no raw control or bidi characters even inside the block
    out.push('', `  ${fence}powershell`, ...body.replace(/\r/g, '').split('\n').map((l) => `  ${visible(l)}`), `  ${fence}`);
  }
  return out;
}

function findingSection(f: Finding, n: number): string[] {
  const L = MARKDOWN_LIMITS;
  const out: string[] = ['---', '', `## ${n}. ${f.correlation ? '⛓ ' : ''}${mdText(capText(f.title, 500))}`, ''];
  const facts: string[] = [
    `**Severity:** ${f.severity} · **Score:** ${f.score}/100 · **Confidence:** ${f.confidence}`,
    `**Host:** ${f.host === null ? '*(none)*' : mdCode(capText(f.host, 300))}`,
    `**First seen:** ${f.first_seen ? mdText(f.first_seen) : '*(no time)*'} · **Last seen:** ${f.last_seen ? mdText(f.last_seen) : '*(no time)*'} · **Events:** ${f.count}`,
    [f.rule_id !== null ? `**Rule:** ${mdCode(capText(f.rule_id, 300))}` : '', f.check ? `**Check:** ${mdCode(f.check)}` : '', f.techniques.length ? `**Techniques:** ${f.techniques.map((t) => mdText(t)).join(', ')}` : ''].filter(Boolean).join(' · '),
    `**Finding id:** ${mdCode(f.id)}${f.correlated_by?.length ? ` · **Correlated by:** ${f.correlated_by.map((c) => mdCode(c)).join(', ')}` : ''}`,
  ].filter(Boolean);
  out.push(facts.join('  \n'), '');

  out.push('### Evidence', '');
  for (const r of f.evidence.slice(0, L.evidence)) out.push(`- ${mdCode(capText(evidenceWhere(r), 1000))} (${mdText(r.kind)})`);
  if (f.evidence.length > L.evidence) out.push(`- … and ${f.evidence.length - L.evidence} more`);
  if (f.evidence.length === 0) out.push('*(none)*');
  if (f.count > f.evidence.length) out.push('', `${plural(f.count, 'event')} in all; the references above are the first ${f.evidence.length}.`);
  out.push('');

  const fields = Object.entries(f.fields);
  if (fields.length) {
    out.push('### Matched fields', '', '| field | value |', '|---|---|');
    for (const [k, v] of fields.slice(0, L.fields)) out.push(`| ${mdCode(capText(k, 200), true)} | ${mdCode(capText(fieldText(v), L.valueChars), true)} |`);
    if (fields.length > L.fields) out.push(`| … | ${fields.length - L.fields} more fields |`);
    out.push('');
  }

  if (f.description) out.push('### Why it matters', '', paragraphs(f.description), '');

  if (f.falsepositives.length) {
    out.push('### False positives to rule out', '');
    for (const fp of f.falsepositives.slice(0, L.listItems)) out.push(`- ${mdText(capText(fp, 1000))}`);
    if (f.falsepositives.length > L.listItems) out.push(`- … and ${f.falsepositives.length - L.listItems} more`);
    out.push('');
  }

  out.push('### What to do next', '');
  if (f.playbook?.length) {
    for (const s of f.playbook.slice(0, L.steps)) out.push(...stepLine(s));
    if (f.playbook.length > L.steps) out.push(`- … and ${f.playbook.length - L.steps} more steps`);
  } else out.push('*No playbook steps are attached to this finding.*');
  out.push('');

  if (f.references.length) {
    out.push('### References', '');
    for (const r of f.references.slice(0, L.listItems)) out.push(`- ${mdLink(capText(r, 2000))}`);
    if (f.references.length > L.listItems) out.push(`- … and ${f.references.length - L.listItems} more`);
    out.push('');
  }
  return out;
}

/** The whole report. */
export function renderMarkdownReport(findings: readonly Finding[], summary?: ReportSummary, opts: MarkdownOptions = {}): string {
  const all = sortFindings(findings);
  const max = Math.max(0, opts.maxFindings ?? MARKDOWN_LIMITS.findings);
  const shown = all.slice(0, max);
  const out: string[] = [`# ${mdText(opts.title ?? 'tracehound findings')}`, ''];
  out.push(...summaryLines(summary));
  if (summary) out.push('');
  out.push('## Summary', '');
  const bySev = countBySeverity(all);
  const range = timeRange(all);
  out.push(`${plural(all.length, 'finding')}${range ? `, from ${mdText(range.first)} to ${mdText(range.last)}` : ''}.`, '');
  if (all.length) {
    out.push('| severity | findings |', '|---|--:|');
    for (const s of SEVERITIES_DESC) if (bySev[s]) out.push(`| ${s} | ${bySev[s]} |`);
    out.push('');
    const hosts = countByHost(all);
    out.push('| host | findings | worst |', '|---|--:|---|');
    for (const h of hosts.slice(0, 50)) out.push(`| ${h.host === null ? '*(none)*' : mdCode(capText(h.host, 200), true)} | ${h.total} | ${h.worst} |`);
    if (hosts.length > 50) out.push(`| … | ${hosts.length - 50} more hosts | |`);
    out.push('');
    out.push('| # | severity | score | finding | host | first seen |', '|--:|---|--:|---|---|---|');
    shown.forEach((f, i) => out.push(`| ${i + 1} | ${f.severity} | ${f.score} | ${f.correlation ? '⛓ ' : ''}${mdText(capText(f.title, 200))} | ${f.host === null ? '' : mdCode(capText(f.host, 100), true)} | ${f.first_seen ? mdText(f.first_seen) : ''} |`));
    out.push('');
  }
  if (all.length > shown.length) out.push(`*${plural(all.length - shown.length, 'finding')} not shown: this report shows the ${shown.length} most severe.*`, '');
  shown.forEach((f, i) => out.push(...findingSection(f, i + 1)));
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
