// The audit: every registered agent and collected file against the catalogue, the indicators,
// the allow-list and each other. Pure: a collection in, issues out.
import type { AgentRegistry, RegisteredAgent, SourceRef, TransportService } from '../sources/exchange/model.js';
import type { EvidenceRef } from '../findings/model.js';
import type { FieldValue } from '../events/model.js';
import type { Catalogue, CheckId, Iocs, MicrosoftAgent, Product, ServerRole, VendorAgent } from './catalogue.js';
import { productOf } from './catalogue.js';
import type { Collection, ManifestEntry } from './collection.js';
import type { DllReport } from './dll.js';
import type { Severity } from '../findings/model.js';
import { baseName, isRelative, isUnc, isUnder, mirrorSuffix, normPath, writableLocation } from './winpath.js';
import type { AllowEntry } from './allow-list.js';
import { hasTargets, TARGET_KINDS, type AgentTargets } from './targets.js';

export interface AuditIssue {
  check: CheckId;
  /** when the case is worse or milder than the check's default */
  severity?: Severity;
  /** what the finding is about, for its title and its stable id */
  subject: string;
  reasons: string[];
  evidence: EvidenceRef[];
  fields: Record<string, FieldValue>;
  /** file times of the evidence (ISO), when the manifest gives them */
  times: string[];
}

export interface AuditContext {
  host: string | null;
  role: ServerRole | null;
  product: Product | null;
  installRoot: string;
  /** how the role and install root were found */
  notes: string[];
}

export interface AuditOptions {
  catalogue: Catalogue;
  iocs: Iocs;
  allow?: AllowEntry[];
}

const DEFAULT_ROOT = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';
const eq = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** Host, role, version and install root, from the server description or inferred from the agent lists. */
export function auditContext(c: Collection, cat: Catalogue): AuditContext {
  const notes: string[] = [];
  const server = c.servers[0];
  const host = server?.name ?? c.registries.find((r) => r.host)?.host ?? null;
  let role: ServerRole | null = server?.roles.includes('Edge') ? 'Edge' : server?.roles.includes('Mailbox') ? 'Mailbox' : null;
  if (!role) {
    // Default agents that belong to one role only vote for it (an impostor adds one vote at most).
    let mbx = 0, edge = 0;
    for (const reg of c.registries) for (const a of reg.agents) {
      const m = cat.microsoft.find((x) => eq(x.name, a.name));
      if (!m || m.roles.length !== 1) continue;
      if (m.roles[0] === 'Mailbox') mbx++; else edge++;
    }
    if (mbx || edge) {
      role = mbx >= edge ? 'Mailbox' : 'Edge';
      notes.push(`server role ${role} inferred from its default agents (no server description in the collection)`);
    }
  }
  const product = server?.version ? productOf(cat, server.version) : null;
  let installRoot = server?.installPath ?? null;
  if (!installRoot) {
    const votes = new Map<string, number>();
    for (const reg of c.registries) for (const a of reg.agents) {
      const m = cat.microsoft.find((x) => eq(x.name, a.name) && x.assembly);
      if (!m) continue;
      const p = a.assemblyPath.replace(/\//g, '\\');
      if (p.toLowerCase().endsWith('\\' + m.assembly!.toLowerCase())) {
        const root = p.slice(0, p.length - m.assembly!.length);
        votes.set(root, (votes.get(root) ?? 0) + 1);
      }
    }
    const best = [...votes].sort((a, b) => b[1] - a[1])[0];
    if (best) { installRoot = best[0]; notes.push(`install root ${installRoot} inferred from the Microsoft agents' paths`); }
  }
  if (!installRoot) { installRoot = DEFAULT_ROOT; notes.push(`install root not known; the default ${DEFAULT_ROOT} is assumed`); }
  return { host, role, product, installRoot, notes };
}

/** The service an agent list belongs to (agents.config serves Hub on Mailbox servers, Edge on Edge servers). */
export function serviceOf(reg: AgentRegistry, ctx: AuditContext): TransportService | null {
  if (reg.service) return reg.service;
  if (reg.source === 'fetagents.config') return 'FrontEnd';
  if (reg.source === 'agents.config') return ctx.role === 'Edge' ? 'Edge' : ctx.role === 'Mailbox' ? 'Hub' : null;
  return null;
}

/** The evidence kind of an agent list's file. */
function registryKind(reg: AgentRegistry): EvidenceRef['kind'] {
  return reg.source === 'Get-TransportAgent' ? 'cmdlet-export' : 'agents-config';
}

/** Evidence at a source position (the line only when it is known). */
function evidenceAt(ref: SourceRef, kind: EvidenceRef['kind']): EvidenceRef {
  return { file: ref.file, kind, ...(ref.line !== undefined ? { line: ref.line } : {}) };
}

export function agentRef(reg: AgentRegistry, a: RegisteredAgent): EvidenceRef {
  return evidenceAt(a.ref, registryKind(reg));
}

const dllRef = (d: DllReport): EvidenceRef => ({ file: d.file, kind: 'pe' });
const manifestRef = (m: ManifestEntry): EvidenceRef => evidenceAt(m.ref, 'manifest');

/** The collected copy of the file at a Windows path: mirrored path first, else a unique file name. */
export function findDll(c: Collection, winPath: string): DllReport | null {
  const suffix = '\\' + mirrorSuffix(winPath);
  const noDrive = '\\' + normPath(winPath).replace(/^[a-z]:\\/, '');
  const mirrored = c.dlls.find((d) => { const n = normPath(d.file); return n.endsWith(suffix) || n.endsWith(noDrive); });
  if (mirrored) return mirrored;
  const name = baseName(winPath).toLowerCase();
  const same = c.dlls.filter((d) => baseName(d.file).toLowerCase() === name);
  return same.length === 1 ? same[0]! : null;
}

export function findManifest(c: Collection, winPath: string): ManifestEntry | null {
  const n = normPath(winPath);
  return c.manifest.find((m) => normPath(m.path) === n) ?? null;
}

function signerName(d: DllReport): string {
  const s = d.signature?.signer;
  return s ? (s.organization ?? s.commonName ?? s.subject) : 'nobody';
}

function signedBy(d: DllReport, who: string): boolean {
  const s = d.signature;
  return !!s && s.status === 'trusted' && !!s.signer && (eq(s.signer.organization, who) || eq(s.signer.commonName, who));
}

function vendorOf(cat: Catalogue, a: RegisteredAgent): VendorAgent | null {
  for (const v of cat.vendors) {
    if (v.names.some((n) => eq(n, a.name)) || v.namePattern?.test(a.name) || v.factories.some((f) => eq(f, a.factory))) return v;
  }
  return null;
}

function allowed(allow: AllowEntry[] | undefined, a: RegisteredAgent): AllowEntry | null {
  return allow?.find((e) => eq(e.name, a.name) && (!e.factory || eq(e.factory, a.factory)) && (!e.assemblyPath || normPath(e.assemblyPath) === normPath(a.assemblyPath))) ?? null;
}

function timesOf(...ms: (ManifestEntry | null)[]): string[] {
  const out: string[] = [];
  for (const m of ms) if (m) for (const t of [m.created, m.modified]) if (t && !Number.isNaN(Date.parse(t))) out.push(new Date(Date.parse(t)).toISOString());
  return out;
}

/** Every file path on the server an indicator names, with %ExchangeInstall% and %NetworkService% resolved. */
function iocPath(p: string, installRoot: string): string {
  return normPath(p.replace(/%ExchangeInstall%\\?/i, installRoot.replace(/\\?$/, '\\')).replace(/%NetworkService%/i, 'C:\\Windows\\ServiceProfiles\\NetworkService'));
}

export function runChecks(c: Collection, opts: AuditOptions): { context: AuditContext; issues: AuditIssue[] } {
  const { catalogue: cat, iocs } = opts;
  const ctx = auditContext(c, cat);
  const issues: AuditIssue[] = [];
  const usedDlls = new Set<DllReport>();
  const hashIoc = (d: DllReport) => iocs.hashes.find((h) => h.sha256 === d.sha256 || h.sha1 === d.sha1 || h.md5 === d.md5);

  for (const reg of c.registries) {
    const service = serviceOf(reg, ctx);
    const seenNames = new Map<string, RegisteredAgent>();
    const seenTargets = new Map<string, RegisteredAgent>();
    for (const a of reg.agents) {
      const ref = agentRef(reg, a);
      const dll = a.assemblyPath ? findDll(c, a.assemblyPath) : null;
      if (dll) usedDlls.add(dll);
      const man = a.assemblyPath ? findManifest(c, a.assemblyPath) : null;
      const evidence = [ref, ...(dll ? [dllRef(dll)] : []), ...(man ? [manifestRef(man)] : [])];
      const fields: Record<string, FieldValue> = {
        agent: a.name, factory: a.factory, assemblyPath: a.assemblyPath, enabled: a.enabled, priority: a.priority,
        service: service ?? 'unknown', source: reg.source,
        ...(dll ? { sha256: dll.sha256, signature: dll.signature?.status ?? 'unknown', signer: signerName(dll) } : {}),
        ...(man?.sha256 ? { serverSha256: man.sha256 } : {}),
        ...(dll?.targets && (hasTargets(dll.targets) || dll.targets.problems.length) ? { targets: targetsField(dll.targets) } : {}),
      };
      const times = timesOf(man);
      const add = (check: CheckId, reasons: string[], severity?: Severity) =>
        issues.push({ check, subject: `${a.name} (${service ?? reg.source})`, reasons, evidence, fields, times, ...(severity ? { severity } : {}) });

      // Duplicates within one list.
      const nameKey = a.name.toLowerCase();
      const targetKey = `${a.factory.toLowerCase()}|${normPath(a.assemblyPath)}`;
      if (seenNames.has(nameKey)) add('duplicate-agent', [`'${a.name}' is registered again at priority ${a.priority} (first at ${seenNames.get(nameKey)!.priority})`]);
      else if (a.factory && seenTargets.has(targetKey)) add('duplicate-agent', [`factory ${a.factory} from ${a.assemblyPath} is also registered as '${seenTargets.get(targetKey)!.name}'`]);
      seenNames.set(nameKey, a);
      if (a.factory) seenTargets.set(targetKey, a);
      if (!a.factory && !a.assemblyPath) continue; // the cmdlet's table view names agents only

      // Published indicators.
      const iocReasons: string[] = [];
      for (const r of iocs.registrations) {
        if (eq(r.name, a.name) && eq(r.factory, a.factory) && eq(r.assemblyFile, baseName(a.assemblyPath))) iocReasons.push(`registration matches ${r.what} (${r.source})`);
      }
      for (const f of iocs.fileNames) if (eq(f.name, baseName(a.assemblyPath))) iocReasons.push(`assembly file name ${f.name}: ${f.what} (${f.source})`);
      if (dll) {
        const h = hashIoc(dll);
        if (h) iocReasons.push(`DLL hash matches ${h.what} (${h.source})`);
        for (const p of dll.dotnet?.pinvokes ?? []) {
          const n = iocs.nativeImports.find((x) => eq(x.module, p.module) && eq(x.entry, p.entry));
          if (n) iocReasons.push(`the DLL calls ${p.module}!${p.entry}: ${n.what} (${n.source})`);
        }
      }
      if (iocReasons.length) add('ioc-match', iocReasons);

      // Identity: Microsoft, vendor, allow-listed, or unknown.
      const msName = cat.microsoft.find((m) => eq(m.name, a.name));
      const msFactory = a.factory ? cat.microsoft.find((m) => eq(m.factory, a.factory)) : undefined;
      const ms: MicrosoftAgent | undefined = msName ?? msFactory;
      const allow = allowed(opts.allow, a);
      const vendor = ms ? null : vendorOf(cat, a);
      if (ms) {
        const dev: string[] = [];
        if (msName && msName.factory && a.factory && !eq(msName.factory, a.factory)) dev.push(`Microsoft's '${msName.name}' uses factory ${msName.factory}, this one ${a.factory}`);
        if (ms.assembly && a.assemblyPath) {
          const expected = ctx.installRoot.replace(/\\?$/, '\\') + ms.assembly;
          if (!eq(baseName(ms.assembly), baseName(a.assemblyPath))) dev.push(`assembly file ${baseName(a.assemblyPath)} is not Microsoft's ${baseName(ms.assembly)}`);
          else if (normPath(expected) !== normPath(a.assemblyPath)) dev.push(`assembly is at ${a.assemblyPath}, Microsoft's is at ${expected}`);
        }
        if (ctx.role && !ms.roles.includes(ctx.role) && !ms.optional.includes(ctx.role)) dev.push(`'${ms.name}' exists only on ${ms.roles.join('/') || 'datacenter'} servers; this is a ${ctx.role} server`);
        if (dll && !signedBy(dll, cat.microsoftSigner)) dev.push(`the DLL is ${dll.signature?.status === 'unsigned' ? 'not signed' : `not signed by ${cat.microsoftSigner} (${dll.signature?.status ?? 'no signature'}: ${signerName(dll)})`}`);
        if (!msName && msFactory) {
          // A genuine Microsoft factory under a new name: the Atomic Red Team pattern.
          if (!allow) add('unknown-agent', [`Microsoft's factory ${msFactory.factory} (of '${msFactory.name}') registered under the new name '${a.name}'`, ...dev]);
        } else if (dev.length && !allow) add('impersonation', dev);
        else if (ctx.role && !ms.roles.includes(ctx.role) && ms.optional.includes(ctx.role)) add('not-default', [`'${ms.name}' is not a default agent of ${ctx.role} servers; it is added on request`]);
      } else if (vendor) {
        const dev: string[] = [];
        if (vendor.assemblyFile && a.assemblyPath && !eq(vendor.assemblyFile, baseName(a.assemblyPath))) dev.push(`${vendor.vendor} ships ${vendor.assemblyFile}, this agent loads ${baseName(a.assemblyPath)}`);
        if (vendor.factories.length && a.factory && !vendor.factories.some((f) => eq(f, a.factory))) dev.push(`factory ${a.factory} is not ${vendor.vendor}'s`);
        if (dev.length) add('impersonation', dev, 'high');
        if (dll && vendor.signer && dll.signature && dll.signature.status !== 'unsigned' && !signedBy(dll, vendor.signer) && !(dll.signature.signer && (dll.signature.signer.organization ?? dll.signature.signer.commonName ?? '').toLowerCase().includes(vendor.signer.toLowerCase()))) {
          add('signer-mismatch', [`${vendor.vendor} signs as ${vendor.signer}; this DLL is signed by ${signerName(dll)} (${dll.signature.status})`], 'high');
        }
      } else if (!allow) {
        add('unknown-agent', [`'${a.name}' (factory ${a.factory || 'not given'}) is neither a Microsoft agent, a catalogued vendor agent nor in the allow-list`]);
      }
      if (allow?.sha256 && dll && allow.sha256.toLowerCase() !== dll.sha256) add('baseline-change', [`the DLL's SHA-256 ${dll.sha256} differs from the allow-list's ${allow.sha256}`], 'high');

      // Where the assembly is.
      if (a.assemblyPath) {
        if (isUnc(a.assemblyPath)) add('unc-or-relative-path', [`${a.assemblyPath} is a network (UNC) path`]);
        else if (isRelative(a.assemblyPath) && !(ctx.role === 'Edge' || reg.source === 'fetagents.config')) add('unc-or-relative-path', [`${a.assemblyPath} is a relative path`]);
        else {
          const w = writableLocation(a.assemblyPath);
          if (w) add('suspicious-path', [w]);
          else if (!ms && !vendor && !allow && !isUnder(a.assemblyPath, ctx.installRoot) && !/^[a-z]:\\program files( \(x86\))?\\/.test(normPath(a.assemblyPath))) {
            add('suspicious-path', [`${a.assemblyPath} is outside the Exchange install tree (${ctx.installRoot}) and Program Files`], 'medium');
          }
        }
      }

      // The DLL itself.
      if (!dll) {
        if (man && !man.exists) add('dll-missing', [`the server has no file at ${a.assemblyPath} (manifest ${man.ref.file}${man.ref.line ? `:${man.ref.line}` : ''})`]);
        else if (a.assemblyPath) add('dll-not-collected', [`no collected copy of ${a.assemblyPath}`]);
        continue;
      }
      if (man?.sha256 && man.sha256 !== dll.sha256) add('bad-signature', [`the collected copy's SHA-256 ${dll.sha256} differs from the server's ${man.sha256} in the manifest`], 'high');
      const sig = dll.signature;
      if (sig && !ms) {
        // A catalogued vendor's unsigned or privately signed build is recorded, not alarming.
        const mild = vendor || allow ? 'low' : undefined;
        if (sig.status === 'unsigned') add('unsigned', ['the DLL has no Authenticode signature'], mild);
        else if (sig.status === 'untrusted') add('untrusted-signer', [`signed by ${signerName(dll)}, whose chain does not reach a trusted root: ${sig.reason}`], mild);
      }
      if (sig && (sig.status === 'hash-mismatch' || sig.status === 'bad-signature' || sig.status === 'malformed')) add('bad-signature', [sig.reason]);
      if (dll.peError) { add('not-dotnet', [`not a readable PE file: ${dll.peError}`]); continue; }
      if (!dll.dotnet) { add('not-dotnet', [dll.dotnetError ? `.NET metadata unreadable: ${dll.dotnetError}` : 'a native DLL without .NET metadata']); continue; }
      if (a.factory) {
        const f = dll.dotnet.agentFactories.find((x) => x.type === a.factory || x.type.replace(/\//g, '.') === a.factory);
        if (!f) {
          const defined = dll.dotnet.types.some((t) => t.fullName === a.factory);
          const others = dll.dotnet.agentFactories.map((x) => x.type);
          add('factory-missing', [defined
            ? `${a.factory} is defined in the DLL but does not derive from an Exchange agent factory class`
            : `${a.factory} is not defined in ${baseName(dll.file)}`, others.length ? `the DLL's agent factories: ${others.join(', ')}` : 'the DLL defines no agent factory']);
        } else if (f.isAbstract) add('factory-missing', [`${a.factory} is abstract; Exchange cannot create it`]);
      }
    }
  }

  // Agent lists of one service that disagree (config file against cmdlet output).
  const byService = new Map<string, AgentRegistry[]>();
  for (const reg of c.registries) {
    const s = serviceOf(reg, ctx);
    if (!s) continue;
    const k = `|${s}`; // one collection is one server: cmdlet exports name the host, config files do not
    byService.set(k, [...(byService.get(k) ?? []), reg]);
  }
  for (const [k, regs] of byService) {
    const full = regs.filter((r) => r.agents.every((a) => a.factory || a.assemblyPath) || r.agents.length === 0);
    for (let i = 1; i < regs.length; i++) {
      const a = regs[0]!, b = regs[i]!;
      const diff = listDiff(a, b, full.includes(a) && full.includes(b));
      if (diff.length) {
        issues.push({ check: 'service-mismatch', subject: `${k.split('|')[1]} agent lists`, reasons: diff, evidence: [{ file: a.file, kind: registryKind(a) }, { file: b.file, kind: registryKind(b) }], fields: { service: k.split('|')[1]!, first: a.file, second: b.file }, times: [] });
      }
    }
  }

  // Pipeline agents that no list registers.
  const registered = new Set(c.registries.flatMap((r) => r.agents.map((a) => a.name.toLowerCase())));
  const internal = new Set(cat.internal.map((n) => n.toLowerCase()));
  for (const p of c.pipelines) {
    const flagged = new Set<string>();
    for (const e of p.entries) for (const name of e.agents) {
      const n = name.toLowerCase();
      if (registered.has(n) || internal.has(n) || flagged.has(n) || c.registries.length === 0) continue;
      flagged.add(n);
      issues.push({ check: 'pipeline-unregistered', subject: name, reasons: [`'${name}' handled ${e.event} but is in no collected agent list and is not an internal Exchange agent`], evidence: [evidenceAt(e.ref, 'cmdlet-export')], fields: { agent: name, event: e.event }, times: [] });
    }
  }

  // Indicator files on the server (manifest) and collected files not registered as agents.
  const iocPaths = iocs.paths.map((p) => ({ ...p, norm: iocPath(p.path, ctx.installRoot) }));
  for (const m of c.manifest) {
    if (!m.exists) continue;
    const n = normPath(m.path);
    const hitPath = iocPaths.find((p) => p.norm === n);
    const hitHash = m.sha256 ? iocs.hashes.find((h) => h.sha256 === m.sha256) : undefined;
    const reasons = [...(hitPath ? [`${m.path}: ${hitPath.what} (${hitPath.source})`] : []), ...(hitHash ? [`${m.path} has the SHA-256 of ${hitHash.what} (${hitHash.source})`] : [])];
    if (reasons.length) issues.push({ check: 'ioc-match', subject: baseName(m.path), reasons, evidence: [manifestRef(m)], fields: { path: m.path, ...(m.sha256 ? { sha256: m.sha256 } : {}) }, times: timesOf(m) });
  }
  for (const d of c.dlls) {
    if (usedDlls.has(d)) continue;
    const h = hashIoc(d);
    const reasons = [...(h ? [`hash matches ${h.what} (${h.source})`] : [])];
    const fname = iocs.fileNames.find((f) => eq(f.name, baseName(d.file)));
    if (fname) reasons.push(`file name ${fname.name}: ${fname.what} (${fname.source})`);
    for (const p of d.dotnet?.pinvokes ?? []) {
      const x = iocs.nativeImports.find((i) => eq(i.module, p.module) && eq(i.entry, p.entry));
      if (x) reasons.push(`calls ${p.module}!${p.entry}: ${x.what} (${x.source})`);
    }
    if (reasons.length) issues.push({ check: 'ioc-match', subject: baseName(d.file), reasons, evidence: [dllRef(d)], fields: { file: d.file, sha256: d.sha256 }, times: [] });
  }
  return { context: ctx, issues };
}

/** The agent's targets as a finding field: the non-empty lists, then what limited or damaged the reading. */
function targetsField(t: AgentTargets): FieldValue {
  const f: Record<string, FieldValue> = {};
  for (const k of TARGET_KINDS) if (t[k].length) f[k] = t[k];
  f['examined'] = t.examined;
  if (t.truncated.length) f['truncated'] = t.truncated;
  if (t.problems.length) f['problems'] = t.problems;
  return f;
}

function describe(a: RegisteredAgent): string {
  return `${a.factory} from ${a.assemblyPath}`;
}

/** How two lists of the same service differ (names, targets, enabled state, order). */
function listDiff(a: AgentRegistry, b: AgentRegistry, compareTargets: boolean): string[] {
  const out: string[] = [];
  const mb = new Map(b.agents.map((x) => [x.name.toLowerCase(), x]));
  const ma = new Map(a.agents.map((x) => [x.name.toLowerCase(), x]));
  for (const x of a.agents) if (!mb.has(x.name.toLowerCase())) out.push(`'${x.name}' is in ${a.file} but not in ${b.file}`);
  for (const x of b.agents) if (!ma.has(x.name.toLowerCase())) out.push(`'${x.name}' is in ${b.file} but not in ${a.file}`);
  for (const x of a.agents) {
    const y = mb.get(x.name.toLowerCase());
    if (!y) continue;
    if (compareTargets && (!eq(x.factory, y.factory) || normPath(x.assemblyPath) !== normPath(y.assemblyPath))) out.push(`'${x.name}' is ${describe(x)} in ${a.file} but ${describe(y)} in ${b.file}`);
    if (x.enabled !== y.enabled) out.push(`'${x.name}' is ${x.enabled ? 'enabled' : 'disabled'} in ${a.file} but ${y.enabled ? 'enabled' : 'disabled'} in ${b.file}`);
    if (x.priority !== y.priority) out.push(`'${x.name}' has priority ${x.priority} in ${a.file} but ${y.priority} in ${b.file}`);
  }
  return out;
}
