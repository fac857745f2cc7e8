// Seven ordinary days on the Mailbox server EXCH01 (and the admin workstation ADM01): background
// activity; administrators listing the transport agents; the installation of a vendor agent
// (Exchange DkimSigner: its setup writes the DLL under C:\Program Files\Exchange DkimSigner, then
// Install-TransportAgent / Enable-TransportAgent through the Exchange Management Shell, run by w3wp.exe,
// MSExchange Management event 1, and a transport restart); a cumulative update on Thursday evening
// (setup writes many DLLs under V15\bin and TransportRoles\agents, rewrites agents.config, stops and
// starts the services), after which the vendor agent, built for the previous build, fails to load
// until the administrator updates it. Everything here is benign.
import { ACCOUNTS, DLLS, EX, EX_BIN, FILES, type FileMeta } from './org.js';
import { DAY, DEFAULT_AGENT_DLLS, HOUR, MIN, type Machine } from './machine.js';
import type { ScenarioPlan, World } from './world.js';

export const BENIGN_WEEK_START = Date.UTC(2026, 10, 2, 0, 0, 0);

const DKIM_DIR = 'C:\\Program Files\\Exchange DkimSigner';
const DKIM_NAME = 'Exchange DkimSigner';
const DKIM_FACTORY = 'Exchange.DkimSigner.DkimSigningRoutingAgentFactory';
const CU = '15.02.1748.010';

/** What the cumulative update replaces (a sample: setup rewrites hundreds of files). */
const CU_FILES: [string, string][] = [
  ['Public\\Microsoft.Exchange.Data.Transport.dll', 'Microsoft.Exchange.Data.Transport'],
  ['Bin\\Microsoft.Exchange.Transport.dll', 'Microsoft.Exchange.Transport'],
  ['Bin\\Microsoft.Exchange.Data.Common.dll', 'Microsoft.Exchange.Data.Common'],
  ['Bin\\Microsoft.Exchange.Diagnostics.dll', 'Microsoft.Exchange.Diagnostics'],
  ['Bin\\Microsoft.Exchange.Net.dll', 'Microsoft.Exchange.Net'],
  ['Bin\\Microsoft.Exchange.Data.Directory.dll', 'Microsoft.Exchange.Data.Directory'],
  ['Bin\\Microsoft.Exchange.Data.Storage.dll', 'Microsoft.Exchange.Data.Storage'],
  ['Bin\\Microsoft.Exchange.Management.dll', 'Microsoft.Exchange.Management'],
  ['Bin\\Microsoft.Exchange.Configuration.ObjectModel.dll', 'Microsoft.Exchange.Configuration.ObjectModel'],
  ['Bin\\Microsoft.Exchange.MobileDriver.dll', 'Microsoft.Exchange.MobileDriver'],
  ['Bin\\Microsoft.Exchange.Security.dll', 'Microsoft.Exchange.Security'],
  ['Bin\\Microsoft.Exchange.Security.Interop.dll', 'Microsoft.Exchange.Security.Interop'],
  ['Bin\\Microsoft.Exchange.Common.dll', 'Microsoft.Exchange.Common'],
  ['Bin\\Microsoft.Exchange.Rpc.dll', 'Microsoft.Exchange.Rpc'],
  ['Bin\\Microsoft.Exchange.Extensibility.Internal.dll', 'Microsoft.Exchange.Extensibility.Internal'],
  ['Bin\\Microsoft.Exchange.Transport.Common.dll', 'Microsoft.Exchange.Transport.Common'],
  ['Bin\\Microsoft.Exchange.Protocols.Smtp.dll', 'Microsoft.Exchange.Protocols.Smtp'],
  ['Bin\\EdgeTransport.exe', 'Microsoft Exchange EdgeTransport'],
  ['Bin\\MSExchangeTransport.exe', 'Microsoft Exchange Transport Service'],
  ['Bin\\ExSetup.exe', 'Microsoft Exchange Server Setup'],
  ['TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll', 'Microsoft.Exchange.MessagingPolicies.TransportRuleAgent'],
  ['TransportRoles\\agents\\Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll', 'Microsoft.Exchange.Transport.Agent.Malware'],
  ['TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll', 'Microsoft.Exchange.Transport.Agent.SystemProbeDrop'],
  ['TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.Hygiene.dll', 'Microsoft.Exchange.Transport.Agent.Hygiene'],
  ['TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.ContentFilter.Wrapper.exe', 'Microsoft Exchange Content Filter Wrapper'],
  ['TransportRoles\\agents\\EdgeMessagingPolicies\\Microsoft.Exchange.MessagingPolicies.EdgeAgents.dll', 'Microsoft.Exchange.MessagingPolicies.EdgeAgents'],
  ['TransportRoles\\agents\\TrustedMail\\Microsoft.Exchange.Transport.Agent.TrustedMail.dll', 'Microsoft.Exchange.Transport.Agent.TrustedMail'],
  ['TransportRoles\\agents\\Journaling\\Microsoft.Exchange.MessagingPolicies.JournalAgent.dll', 'Microsoft.Exchange.MessagingPolicies.JournalAgent'],
  ['TransportRoles\\agents\\RmSvc\\Microsoft.Exchange.MessagingPolicies.RmSvcAgent.dll', 'Microsoft.Exchange.MessagingPolicies.RmSvcAgent'],
  ['TransportRoles\\agents\\AddressBookPolicyRoutingAgent\\Microsoft.Exchange.Transport.Agent.AddressBookPolicyRoutingAgent.dll', 'Microsoft.Exchange.Transport.Agent.AddressBookPolicyRoutingAgent'],
  ['TransportRoles\\agents\\agents.config.template', ''],
  ['Scripts\\ReinstallDefaultTransportAgents.ps1', ''],
];

const cuFile = (rel: string, description: string): FileMeta => {
  const name = rel.slice(rel.lastIndexOf('\\') + 1);
  return { path: `${EX}\\${rel}`, fileVersion: description ? CU : '-', description: description || '-', product: description ? 'Microsoft® Exchange' : '-', company: description ? 'Microsoft Corporation' : '-', originalFileName: description ? name : '-', signer: description ? 'Microsoft Corporation' : null, size: 40_000 + (name.length * 7919) % 900_000 };
};

const EXCHANGE_SERVICES = ['MSExchangeTransport', 'MSExchangeFrontEndTransport', 'MSExchangeDelivery', 'MSExchangeSubmission', 'MSExchangeIS', 'MSExchangeRepl', 'MSExchangeHM', 'MSExchangeDiagnostics', 'MSExchangeServiceHost', 'W3SVC', 'MSExchangeADTopology'];

export function benignWeek(w: World): ScenarioPlan {
  const { tl, rng, exch01: ex, adm01: ws } = w;
  const from = BENIGN_WEEK_START, to = BENIGN_WEEK_START + 7 * DAY;
  const sec = (a: number, b: number) => rng.int(a * 1000, b * 1000);
  const day = (n: number, h: number, m: number) => BENIGN_WEEK_START + n * DAY + h * HOUR + m * MIN + rng.int(0, 9) * MIN + sec(0, 59);

  // Monday: an administrator lists the agents from the workstation's EMS
  {
    let t = day(0, 9, 20);
    const ems = ws.ems(t, ACCOUNTS.mortiz, ex);
    t += sec(20, 60);
    t = ws.emsCmdlet(t, ems, 'Get-TransportAgent', { cmdlet: 'Get-TransportAgent', params: [] });
    t += sec(30, 90);
    ws.emsCmdlet(t, ems, 'Get-TransportAgent | Format-List Identity,Enabled,Priority,TransportAgentFactory,AssemblyPath', { cmdlet: 'Get-TransportAgent', params: [] });
  }

  // Tuesday: Exchange DkimSigner is installed on EXCH01 (RDP from the workstation)
  {
    let t = day(1, 10, 0);
    const admin = ACCOUNTS.jkeller;
    const desk = ex.desktop(t - 3 * MIN, admin, ws.host);
    const setup = tl.spawn(t, desk, FILES.dkimConfig, `"${FILES.dkimConfig.path}" --install`, { integrity: 'High', elevation: 'Full', cwd: 'C:\\Users\\j.keller\\Downloads\\DkimSigner\\' });
    for (const [name, size] of [['ExchangeDkimSigner.dll', DLLS.dkimSigner.size], ['MimeKit.dll', 901_632], ['BouncyCastle.Crypto.dll', 2_417_664], ['Configuration.DkimSigner.exe', FILES.dkimConfigInstalled.size], ['settings.xml', 1_204]] as const) {
      t += sec(1, 4);
      tl.fileWrite(t, setup, `${DKIM_DIR}\\${name}`, { size, ...(name === 'ExchangeDkimSigner.dll' ? { file: DLLS.dkimSigner } : {}) });
    }
    tl.registrySet(t + sec(1, 3), setup, 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Exchange DkimSigner', 'InstallPath', 'String', `${DKIM_DIR}\\`);
    t += sec(60, 180);
    const ems = ex.ems(t, admin, ex);
    t += sec(30, 90);
    const params: [string, string][] = [['Name', DKIM_NAME], ['TransportAgentFactory', DKIM_FACTORY], ['AssemblyPath', DLLS.dkimSigner.path]];
    t = ex.emsCmdlet(t, ems, `Install-TransportAgent -Name "${DKIM_NAME}" -TransportAgentFactory "${DKIM_FACTORY}" -AssemblyPath "${DLLS.dkimSigner.path}"`, {
      cmdlet: 'Install-TransportAgent', params, effects: (at, w3wp) => {
        tl.imageLoad(at + sec(0, 1), w3wp, DLLS.dkimSigner);
        tl.agentsConfigRewrite(at + sec(1, 2), w3wp, 4920);
      },
    });
    t += sec(20, 60);
    t = ex.emsCmdlet(t, ems, `Enable-TransportAgent -Identity "${DKIM_NAME}"`, {
      cmdlet: 'Enable-TransportAgent', params: [['Identity', DKIM_NAME]], effects: (at, w3wp) => tl.agentsConfigRewrite(at + sec(0, 1), w3wp, 4920),
    });
    t += sec(20, 60);
    tl.scriptBlock(t, ems.proc, 'Restart-Service MSExchangeTransport');
    tl.pipeline(t + 30, ems.proc, { name: 'Restart-Service', params: [['Name', 'MSExchangeTransport']], host: 'ConsoleHost', runspace: ems.runspace, hostId: ems.hostId, pipelineId: ems.pipeline++, sequence: ems.sequence++ });
    ex.agents.push(DLLS.dkimSigner);
    t = ex.restartTransport(t + sec(1, 2));
    t += sec(60, 200);
    t = ex.emsCmdlet(t, ems, 'Get-TransportAgent', { cmdlet: 'Get-TransportAgent', params: [] });
    t += sec(30, 120);
    ex.emsCmdlet(t, ems, 'Get-TransportPipeline', { cmdlet: 'Get-TransportPipeline', params: [] });
  }

  // Wednesday afternoon: the DKIM agent is slow on a large message once
  tl.extensibility(day(2, 14, 30), ex.host, 1050, [DKIM_NAME, 'OnCategorizedMessage', String(rng.int(2100, 4800)), `<${rng.hex(8)}.${rng.hex(4)}@corp.example>`]);

  // Thursday evening: cumulative update
  {
    let t = day(3, 19, 0);
    const cuStart = t;
    const admin = ACCOUNTS.jkeller;
    const desk = ex.desktop(t - 10 * MIN, admin, ws.host);
    const launcher = tl.spawn(t, desk, FILES.setupLauncher, `"E:\\Setup.exe" /Mode:Upgrade /IAcceptExchangeServerLicenseTerms_DiagnosticDataOFF`, { integrity: 'High', elevation: 'Full', cwd: 'E:\\' });
    for (const name of ['ExSetup.exe', 'ExSetupUI.exe', 'Microsoft.Exchange.Setup.Bootstrapper.Common.dll', 'Microsoft.Exchange.Setup.SignVerfWrapper.dll']) {
      t += sec(0, 2);
      tl.fileWrite(t, launcher, `C:\\Windows\\Temp\\ExchangeSetup\\${name}`, { size: 30_000 + name.length * 1000, ...(name === 'ExSetup.exe' ? { file: FILES.exSetup } : {}) });
    }
    t += sec(5, 15);
    const exsetup = tl.spawn(t, launcher, FILES.exSetup, `"${FILES.exSetup.path}" /Mode:Upgrade /IAcceptExchangeServerLicenseTerms_DiagnosticDataOFF /sourcedir:"E:"`, { cwd: 'C:\\Windows\\Temp\\ExchangeSetup\\' });
    t += 4 * MIN + sec(0, 120);
    // setup stops the Exchange services
    for (const s of EXCHANGE_SERVICES) { t += sec(2, 20); if (s === 'MSExchangeTransport') ex.stopTransport(t); else tl.service(t, ex.host, s, 'stopped'); }
    tl.registrySet(t + sec(1, 5), exsetup, 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\MailboxRole', 'Action', 'String', 'BuildToBuildUpgrade');
    // the Windows Installer service lays down the new files
    t += sec(30, 90);
    tl.service(t, ex.host, 'msiserver', 'running');
    const msi = tl.spawn(t + sec(0, 1), ex.services, FILES.msiexec, 'C:\\Windows\\system32\\msiexec.exe /V', { user: ACCOUNTS.system, integrity: 'System', elevation: 'Full', session: 0 });
    t += sec(20, 60);
    const cuFiles = CU_FILES.map(([rel, d]) => cuFile(rel, d));
    for (const f of cuFiles) { t += sec(1, 9); tl.fileWrite(t, msi, f.path, { file: f }); }
    t += sec(60, 300);
    // native images, performance counters
    for (const cmd of [
      `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\ngen.exe install "${EX}\\Public\\Microsoft.Exchange.Data.Transport.dll" /nologo`,
      `C:\\Windows\\system32\\lodctr.exe "${EX_BIN}\\perf\\AMD64\\MSExchangeTransport.xml"`,
    ]) {
      t += sec(10, 60);
      const file = cmd.includes('ngen') ? { ...FILES.cmd, path: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\ngen.exe', description: 'Microsoft Common Language Runtime native compiler', originalFileName: 'ngen.exe', fileVersion: '4.8.3761.0 built by: NET48REL1', product: 'Microsoft® .NET Framework' }
        : { ...FILES.cmd, path: 'C:\\Windows\\system32\\lodctr.exe', description: 'Load PerfMon Counters', originalFileName: 'LODCTR.EXE' };
      tl.spawn(t, exsetup, file, cmd);
    }
    // setup rewrites agents.config with the default agents (the vendor agent stays registered)
    t += sec(60, 240);
    tl.agentsConfigRewrite(t, exsetup, 4920);
    tl.registrySet(t + sec(5, 20), exsetup, 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\Setup', 'MsiProductMinor', 'Dword', 1748);
    tl.service(t + sec(20, 40), ex.host, 'msiserver', 'stopped');
    // the services come back; transport cannot create the DKIM agent built for the previous build
    t += sec(60, 180);
    for (const s of EXCHANGE_SERVICES) {
      if (s === 'MSExchangeTransport') continue;
      t += sec(2, 25);
      tl.service(t, ex.host, s, 'running');
      if (s === 'W3SVC') renewAppPools(w, ex, t);
    }
    ex.agents = [...cuFiles.filter((f) => DEFAULT_AGENT_DLLS.some((d) => d.path === f.path)), DLLS.dkimSigner];
    t += sec(5, 20);
    ex.startTransport(t, {
      agentFailure: (at) => {
        const err = `Failed to create type '${DKIM_FACTORY}' from assembly '${DLLS.dkimSigner.path}' due to error 'Could not load file or assembly 'Microsoft.Exchange.Data.Transport, Version=15.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35' or one of its dependencies. The located assembly's manifest definition does not match the assembly reference. (Exception from HRESULT: 0x80131040)'.`;
        tl.extensibility(at, ex.host, 1052, [DKIM_NAME, DKIM_FACTORY, DLLS.dkimSigner.path, err]);
        tl.transportFailure(at + sec(0, 1), ex.host, 16023, err);
        tl.transportFailure(at + sec(1, 2), ex.host, 7001, err);
        tl.service(at + sec(3, 6), ex.host, 'MSExchangeTransport', 'stopped');
        ex.setEdgeTransport(at + sec(3, 6), null);
        ex.msExchangeTransport = null;
        return true;
      },
    });
    ex.agents = ex.agents.filter((d) => d !== DLLS.dkimSigner);
    // the administrator updates the DKIM agent with its configuration tool, which restarts transport
    t += 25 * MIN + sec(0, 600);
    const config = tl.spawn(t, desk, FILES.dkimConfigInstalled, `"${FILES.dkimConfigInstalled.path}"`, { integrity: 'High', elevation: 'Full', cwd: `${DKIM_DIR}\\` });
    t += sec(40, 120);
    tl.fileWrite(t, config, DLLS.dkimSignerUpdated.path, { modified: true, rewrite: true, file: DLLS.dkimSignerUpdated, created: day(1, 10, 0) });
    ex.agents.push(DLLS.dkimSignerUpdated);
    t += sec(5, 15);
    t = ex.startTransport(t);
    ex.maintenance.push([cuStart, t]);
  }

  // Friday: the messaging team checks the agents after the update, from the workstation
  {
    let t = day(4, 8, 40);
    const ems = ws.ems(t, ACCOUNTS.mortiz, ex);
    t += sec(20, 60);
    t = ws.emsCmdlet(t, ems, 'Get-TransportAgent | Format-List Identity,Enabled,Priority,AssemblyPath', { cmdlet: 'Get-TransportAgent', params: [] });
    t += sec(20, 60);
    t = ws.emsCmdlet(t, ems, 'Get-TransportService EXCH01 | Format-List *AgentLog*', { cmdlet: 'Get-TransportService', params: [['Identity', 'EXCH01']] });
    t += sec(20, 60);
    ws.emsCmdlet(t, ems, `Get-TransportAgent "${DKIM_NAME}" | Format-List`, { cmdlet: 'Get-TransportAgent', params: [['Identity', DKIM_NAME]] });
  }

  ex.background(from, to, 9);
  ws.background(from, to, 2);

  return {
    description: 'Seven benign days on EXCH01 and ADM01: background activity, administrators listing agents, the Exchange DkimSigner vendor agent installed through EMS (w3wp.exe, MSExchange Management 1), a cumulative update (setup rewrites DLLs and agents.config, services restart) after which the DKIM agent fails to load (MSExchange Extensibility 1052, MSExchangeTransport 16023 and 7001) until it is updated',
    hosts: [ex.host, ws.host],
    window: { from, to },
    stages: [],
    context: [],
  };
}

/** After the update IIS starts new worker processes (the EMS app pool among them). */
function renewAppPools(w: World, ex: Machine, t: number): void {
  const tl = w.tl;
  const was = ex.svcNetsvcs;
  const w3 = (pool: string) => `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" -c "${EX_BIN}\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm${tl.rng.guid()} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0`;
  ex.setW3wpPowerShell(t + 2000, tl.spawn(t + 2000, was, FILES.w3wp, w3('MSExchangePowerShellAppPool'), { user: ACCOUNTS.system, integrity: 'System', elevation: 'Full', session: 0, cwd: 'C:\\Windows\\system32\\' }));
  ex.w3wpOwa = tl.spawn(t + 3500, was, FILES.w3wp, w3('MSExchangeOWAAppPool'), { user: ACCOUNTS.system, integrity: 'System', elevation: 'Full', session: 0, cwd: 'C:\\Windows\\system32\\' });
}
