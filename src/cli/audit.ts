// tracehound audit PATH... | audit --baseline OLD NEW
import { readFileSync } from 'node:fs';
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, levelOption, parse, say, tableColour } from './args.js';
import { readCollection, auditEverything, changesSinceBaseline, type CollectionRead } from '../audit/run.js';
import { readAllowList, AllowListError, type AllowEntry } from '../audit/allow-list.js';
import { microsoftRoots, readCertificates } from '../sources/pe/authenticode.js';
import { SEVERITY_RANK, type Finding } from '../findings/model.js';
import { Sink } from '../report/sink.js';
import { findingWriter } from '../report/records.js';
import { visible } from '../report/text.js';

export const AUDIT_HELP = `usage: tracehound audit PATH... [options]
       tracehound audit --baseline OLD NEW [options]

Audit the transport agents of an Exchange server from a collection (see the README for the
commands that collect it): agents.config and fetagents.config, Get-TransportAgent and
Get-TransportPipeline exports (JSON, CSV, Format-List text or CLIXML), the server description,
the file manifest and the agent DLLs, all recognised by content anywhere under PATH.
Linux mail servers too: Postfix (main.cf, master.cf, postconf -n/-M/-P, lookup tables),
Sendmail (sendmail.mc, sendmail.cf) and Exim (exim4.conf.template, conf.d/, filters), a copied
/etc or a scripts/collect-mta.sh collection: every mail hook listed with a verdict.

  --baseline OLD     compare with an earlier collection OLD: agents added, removed, re-ordered,
                     enabled or disabled, re-pointed, or whose DLL changed; then audit NEW
  --org-domain D     a mail domain of the organisation (repeatable); copies elsewhere are high
  --allow FILE       allow-list of agents known to be legitimate (YAML, see the README)
  --trust FILE       also trust the code-signing roots in FILE (PEM or DER; repeatable)
  --no-default-trust do not trust the bundled Microsoft code-signing roots
  --fail-on LEVEL    exit 1 when a finding at or above LEVEL exists
  --format F         table (default on a terminal), json, jsonl (default otherwise), csv
  -o, --out FILE     write findings to FILE
  -q, --quiet        no summary on standard error

Exit status: 0 done, 1 findings at or above --fail-on, 2 usage error or unreadable input.`;

function trustRoots(files: string[] | undefined, noDefault: boolean | undefined): Uint8Array[] {
  const roots = noDefault ? [] : microsoftRoots();
  for (const f of files ?? []) {
    try { roots.push(...readCertificates(readFileSync(f))); } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(`--trust ${f}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`);
    }
  }
  return roots;
}

function report(quiet: boolean | undefined, label: string, r: CollectionRead): void {
  const c = r.collection;
  for (const u of r.unreadable) process.stderr.write(`tracehound: ${visible(u.path)}: ${u.reason}\n`);
  for (const p of c.problems) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
  const agents = c.registries.reduce((n, x) => n + x.agents.length, 0);
  say(quiet, `tracehound: ${label}${r.files} files: ${c.registries.length} agent lists (${agents} agents), ${c.pipelines.length} pipeline listings, ` +
    `${c.dlls.length} DLLs, ${c.manifest.length} manifest entries, ${c.servers.length} server descriptions; ${c.problems.length} unreadable, ${r.notAudit.length} not audit evidence`);
  if (r.mta.files) {
    for (const p of r.mta.problems) say(quiet, `tracehound: ${visible(p.file)}${p.line ? `:${p.line}` : ''}: ${visible(p.message)}`);
    say(quiet, `tracehound: ${label}${r.mta.files} mail-server files (${r.mta.postfixMain.length + r.mta.postfixMaster.length} Postfix, ${r.mta.sendmail.length} Sendmail, ${r.mta.exim.length} Exim configurations, ${r.mta.filters.length} filters); ${r.mta.problems.length} problems`);
  }
}

export async function auditCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    ...COMMON_OPTIONS,
    baseline: { type: 'string' },
    allow: { type: 'string' },
    trust: { type: 'string', multiple: true },
    'no-default-trust': { type: 'boolean' },
    'org-domain': { type: 'string', multiple: true },
  });
  if (values.help) { process.stdout.write(AUDIT_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError('audit needs a collection PATH (file or folder)');
  if (values.baseline !== undefined && positionals.length !== 1) throw new UsageError('audit --baseline OLD takes exactly one NEW collection path');
  const format = formatOption(values.format, values.out !== undefined);
  const failOn = levelOption(values['fail-on'], '--fail-on');
  const quiet = values.quiet;
  let allow: AllowEntry[] | undefined;
  if (values.allow) {
    try { allow = readAllowList(values.allow); } catch (e) {
      if (e instanceof AllowListError) throw new UsageError(`--allow ${e.message}`);
      throw e;
    }
  }
  const roots = trustRoots(values.trust, values['no-default-trust']);
  const orgDomains = values['org-domain'] ?? [];
  for (const d of orgDomains) if (!/^@?[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/.test(d)) throw new UsageError(`--org-domain ${d}: not a domain name`);
  const opts = { ...(allow ? { allow } : {}), orgDomains };

  const cur = await readCollection(positionals, roots);
  let findings: Finding[];
  if (values.baseline !== undefined) {
    const old = await readCollection([values.baseline], roots);
    report(quiet, 'baseline: ', old);
    report(quiet, 'current: ', cur);
    const changes = changesSinceBaseline(old, cur, opts);
    const r = auditEverything(cur.collection, cur.mta, opts);
    for (const n of r.notes) say(quiet, `tracehound: ${n}`);
    findings = [...changes, ...r.findings];
    say(quiet, `tracehound: ${changes.length} changes since the baseline, ${r.findings.length} audit findings`);
    if (old.unreadable.length) return EXIT.usage;
  } else {
    report(quiet, '', cur);
    const r = auditEverything(cur.collection, cur.mta, opts);
    for (const n of r.notes) say(quiet, `tracehound: ${n}`);
    findings = r.findings;
    say(quiet, `tracehound: ${findings.length} findings`);
  }
  const colour = tableColour(format, values.out);
  const w = findingWriter(format, new Sink(values.out), colour);
  for (const f of findings) w.write(f);
  w.end();
  if (cur.unreadable.length) return EXIT.usage;
  if (failOn && findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return EXIT.findings;
  return EXIT.ok;
}
