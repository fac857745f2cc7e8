// Writes samples/demo-exchange01.jsonl: a small, synthetic evidence set (our own events, in the
// EVTX-to-JSON shape) telling a LightNeuron-style story on one Exchange server among benign noise.
// Run: node scripts/make-demo-evidence.mjs
import { writeFileSync } from 'node:fs';

const HOST = 'EXCH01.corp.example';
const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
let record = 1000;

function ev(channel, provider, id, time, data, extra = {}) {
  return {
    Event: {
      System: {
        Provider: { '#attributes': { Name: provider } },
        EventID: id,
        TimeCreated: { '#attributes': { SystemTime: time } },
        EventRecordID: record++,
        Channel: channel,
        Computer: HOST,
        ...extra,
      },
      EventData: data,
    },
  };
}
const sysmon = (id, time, data) => ev('Microsoft-Windows-Sysmon/Operational', 'Microsoft-Windows-Sysmon', id, time, data);
const proc = (time, image, cmd, parent, parentCmd, user = 'CORP\\exadmin') => sysmon(1, time, {
  UtcTime: time.replace('T', ' ').replace('Z', ''), ProcessId: 4000 + (record % 997), Image: image, CommandLine: cmd,
  CurrentDirectory: 'C:\\Windows\\system32\\', User: user, ParentImage: parent, ParentCommandLine: parentCmd, IntegrityLevel: 'High',
});
const cmdlet = (id, time, name, params, error = '') => ev('MSExchange Management', 'MSExchange CmdletLogs', id, time, {
  Data: { '#text': [name, params, 'corp.example/Users/exadmin', 'S-1-5-21-1004336348-1177238915-682003330-1107', 'S-1-5-21-1004336348-1177238915-682003330-1107',
    'Local-PowerShell-Unknown', '5120 powershell', '', '12', '00:00:01.2031250', "View Entire Forest: 'False'", error, error ? '5' : '', '', '', '', '', 'False', '', '0 objects execution has been proxied to remote server.', '', '', '0', 'ActivityId: 9e4c1d2a-6b3f-4e8d-a1c7-52f0b9d3e614', 'ServicePlan:;IsAdmin:True;', '', 'en-US'] },
});

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const events = [
  proc('2026-11-02T08:01:12.100Z', 'C:\\Windows\\System32\\svchost.exe', 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', 'C:\\Windows\\System32\\services.exe', 'C:\\Windows\\system32\\services.exe', 'NT AUTHORITY\\SYSTEM'),
  cmdlet(1, '2026-11-02T08:15:40.000Z', 'Set-Mailbox', '-Identity "j.doe" -ProhibitSendQuota "9.5 GB"'),
  proc('2026-11-02T09:20:03.511Z', PS, 'powershell.exe -NoProfile -Command "Get-TransportAgent | Format-List"', 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE'),
  // The attacker stages a look-alike of the Connection Filtering agent and registers it.
  sysmon(11, '2026-11-02T09:41:55.020Z', { UtcTime: '2026-11-02 09:41:55.020', Image: PS, TargetFilename: `${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`, User: 'CORP\\exadmin' }),
  cmdlet(6, '2026-11-02T09:42:10.250Z', 'Install-TransportAgent', '-Name "Connection Filtering Agent" -TransportAgentFactory "Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory" -AssemblyPath ".\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll"',
    'System.ArgumentException: The Transport Agent assembly file ".\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll" doesn\'t exist.'),
  proc('2026-11-02T09:43:02.734Z', PS, `powershell.exe -Command "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Install-TransportAgent -Name 'Connection Filtering Agent' -TransportAgentFactory Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory -AssemblyPath '${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll'; Enable-TransportAgent 'Connection Filtering Agent'"`, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE'),
  cmdlet(1, '2026-11-02T09:43:05.118Z', 'Enable-TransportAgent', '-Identity "Connection Filtering Agent"'),
  proc('2026-11-02T09:44:30.000Z', 'C:\\Windows\\System32\\net.exe', 'net stop MSExchangeTransport', PS, 'powershell.exe'),
  // Hours later the transport worker runs commands delivered by mail.
  proc('2026-11-02T13:07:19.402Z', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami /all > C:\\Windows\\ServiceProfiles\\NetworkService\\AppData\\Local\\Temp\\r.txt', `${EX}\\Bin\\EdgeTransport.exe`, `"${EX}\\Bin\\EdgeTransport.exe"`, 'NT AUTHORITY\\NETWORK SERVICE'),
  proc('2026-11-02T13:07:19.650Z', 'C:\\Windows\\System32\\whoami.exe', 'whoami /all', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami /all', 'NT AUTHORITY\\NETWORK SERVICE'),
  ev('Security', 'Microsoft-Windows-Security-Auditing', 4624, '2026-11-02T13:30:00.000Z', { TargetUserName: 'exadmin', TargetDomainName: 'CORP', LogonType: 10, IpAddress: '10.20.30.40' }),
];

writeFileSync(new URL('../samples/demo-exchange01.jsonl', import.meta.url), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
console.log(`wrote ${events.length} events`);
