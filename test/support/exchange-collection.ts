// Evidence collections of an Exchange server, written the way the README's collection commands
// lay them out: server.json, config/agents.config, config/fetagents.config,
// cmdlets/transport-agents.<Service>.json, files.csv and dlls/<drive>/<path>.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { ExchangeInputError } from '../../src/sources/exchange/model.js';

export const ROOT = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';
export const SMTP = 'Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgent';
export const ROUTING = 'Microsoft.Exchange.Data.Transport.Routing.RoutingAgent';
export const DELIVERY = 'Microsoft.Exchange.Data.Transport.Delivery.DeliveryAgent';

export interface AgentEntry { name: string; factory: string; assemblyPath: string; baseType: string; enabled?: boolean }

/** The Exchange 2019 Mailbox defaults whose factory and assembly are public (DOMAIN §1.3, §2.1). */
export const MAILBOX_2019: AgentEntry[] = [
  { name: 'Transport Rule Agent', factory: 'Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory', assemblyPath: `${ROOT}TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll`, baseType: ROUTING },
  { name: 'Malware Agent', factory: 'Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory', assemblyPath: `${ROOT}TransportRoles\\agents\\Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll`, baseType: ROUTING },
  { name: 'Text Messaging Routing Agent', factory: 'Microsoft.Exchange.TextMessaging.MobileDriver.TextMessagingRoutingAgentFactory', assemblyPath: `${ROOT}bin\\Microsoft.Exchange.MobileDriver.dll`, baseType: ROUTING },
  { name: 'Text Messaging Delivery Agent', factory: 'Microsoft.Exchange.TextMessaging.MobileDriver.TextMessagingDeliveryAgentFactory', assemblyPath: `${ROOT}bin\\Microsoft.Exchange.MobileDriver.dll`, baseType: DELIVERY },
  { name: 'System Probe Drop Smtp Agent', factory: 'Microsoft.Exchange.Transport.Agent.SystemProbeDrop.SystemProbeDropSmtpAgentFactory', assemblyPath: `${ROOT}TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll`, baseType: SMTP },
  { name: 'System Probe Drop Routing Agent', factory: 'Microsoft.Exchange.Transport.Agent.SystemProbeDrop.SystemProbeDropRoutingAgentFactory', assemblyPath: `${ROOT}TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll`, baseType: ROUTING },
];

export const LIGHTNEURON_AGENT: AgentEntry = {
  name: 'Connection Filtering Agent',
  factory: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory',
  assemblyPath: `${ROOT}TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`,
  baseType: SMTP,
};

export const ATOMIC_AGENT: AgentEntry = {
  name: 'Security Interop Agent',
  factory: 'Microsoft.Exchange.Security.Interop.SecurityInteropAgentFactory',
  assemblyPath: `${ROOT}bin\\Microsoft.Exchange.Security.Interop.dll`,
  baseType: SMTP,
};

export const DKIM_AGENT: AgentEntry = {
  name: 'Exchange DkimSigner',
  factory: 'Exchange.DkimSigner.DkimSigningRoutingAgentFactory',
  assemblyPath: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll',
  baseType: ROUTING,
};

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** An agents.config of `agents`; `wrapped`: each <agent> over four lines, as Exchange's setup writes them. */
export function agentsConfigXml(agents: AgentEntry[], wrapped = false): string {
  const sep = wrapped ? '\n             ' : ' ';
  const list = agents.map((a) => `      <agent name="${xmlAttr(a.name)}" baseType="${xmlAttr(a.baseType)}"${sep}classFactory="${xmlAttr(a.factory)}"${sep}assemblyPath="${xmlAttr(a.assemblyPath)}"${sep}enabled="${a.enabled === false ? 'false' : 'true'}" />`);
  return `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <mexRuntime>
    <monitoring>
      <agentExecution timeLimitInMilliseconds="90000" />
      <messageSnapshot enabled="false" />
    </monitoring>
    <agentList>
${list.join('\n')}
    </agentList>
    <settings>
      <disposeAgents>false</disposeAgents>
    </settings>
  </mexRuntime>
</configuration>
`;
}

/** `Get-TransportAgent -TransportService S | Select Identity,Enabled,Priority,TransportAgentFactory,AssemblyPath | ConvertTo-Json` */
export function transportAgentJson(agents: AgentEntry[], host = 'EXCH01'): string {
  return JSON.stringify(agents.map((a, i) => ({ Identity: a.name, Enabled: a.enabled !== false, Priority: i + 1, TransportAgentFactory: a.factory, AssemblyPath: a.assemblyPath, PSComputerName: host })), null, 2);
}

export interface ManifestRow { path: string; exists?: boolean; sha256?: string; modified?: string }

export function manifestCsv(rows: ManifestRow[]): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return ['"FullName","Exists","Length","CreationTimeUtc","LastWriteTimeUtc","SHA256"',
    ...rows.map((r) => [r.path, r.exists === false ? 'False' : 'True', r.exists === false ? '' : '1024', r.modified ?? '', r.modified ?? '', r.sha256 ?? ''].map(q).join(','))].join('\r\n') + '\r\n';
}

export function serverJson(role: 'Mailbox' | 'Edge', version = 'Version 15.2 (Build 1118.7)', fqdn = 'EXCH01.corp.example'): string {
  return JSON.stringify({ Name: fqdn.split('.')[0], Fqdn: fqdn, ServerRole: role, Edition: 'Standard', AdminDisplayVersion: version, InstallPath: ROOT }, null, 2);
}

/** Where a server file is copied in the collection: dlls/C/Program Files/... */
export function mirrored(dir: string, winPath: string): string {
  const parts = winPath.replace(/^([A-Za-z]):\\/, '$1\\').split('\\');
  return join(dir, 'dlls', ...parts);
}

export const sha256File = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

export interface Scenario {
  role?: 'Mailbox' | 'Edge';
  agents: AgentEntry[];
  /** write the cmdlet export beside the config (default true) */
  cmdlet?: boolean;
  /** server paths -> built files to collect under dlls/ */
  dlls?: Record<string, string>;
  /** extra manifest rows (files on the server that were not copied) */
  manifest?: ManifestRow[];
}

/** Writes a collection folder and returns its path. */
export function writeCollection(dir: string, s: Scenario): string {
  mkdirSync(join(dir, 'config'), { recursive: true });
  mkdirSync(join(dir, 'cmdlets'), { recursive: true });
  if (s.role) writeFileSync(join(dir, 'server.json'), serverJson(s.role));
  writeFileSync(join(dir, 'config', 'agents.config'), agentsConfigXml(s.agents));
  writeFileSync(join(dir, 'config', 'fetagents.config'), agentsConfigXml([]));
  if (s.cmdlet !== false) writeFileSync(join(dir, 'cmdlets', `transport-agents.${s.role === 'Edge' ? 'Edge' : 'Hub'}.json`), transportAgentJson(s.agents));
  const rows: ManifestRow[] = [];
  for (const [win, built] of Object.entries(s.dlls ?? {})) {
    const to = mirrored(dir, win);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(built, to);
    rows.push({ path: win, sha256: sha256File(built), modified: '2026-11-20T08:15:00.0000000Z' });
  }
  const listed = (p: string) => rows.some((r) => r.path === p) || (s.manifest ?? []).some((r) => r.path === p);
  for (const a of s.agents) if (!(a.assemblyPath in (s.dlls ?? {})) && !listed(a.assemblyPath)) rows.push({ path: a.assemblyPath, exists: true });
  rows.push(...(s.manifest ?? []));
  writeFileSync(join(dir, 'files.csv'), manifestCsv(rows));
  return dir;
}

/** Runs `f` and returns the ExchangeInputError it must throw. */
export function inputError(f: () => unknown): ExchangeInputError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ExchangeInputError, `expected ExchangeInputError, got ${e instanceof Error ? e.stack : String(e)}`);
    return e;
  }
  assert.fail('no error');
}
