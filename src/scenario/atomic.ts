// The Atomic Red Team test for T1505.002 (DOMAIN §3.3, "Install MS Exchange Transport Agent
// Persistence") run on EXCH02 by a purple-team operator with Invoke-AtomicTest, which starts one
// powershell.exe per command ("powershell.exe" & {…}). The operator loads the Exchange snap-in in
// each command and quotes the agent name (the test as published passes it unquoted, which splits
// the name). A first run with a relative -AssemblyPath fails: Install-TransportAgent and
// Enable-TransportAgent each write MSExchange Management event 6. The second run succeeds, and, as
// the local snap-in does not log successes by default (ID 3), leaves no cmdlet log event at all:
// only the process, PowerShell and file telemetry. The cleanup disables and uninstalls the agent.
import { ACCOUNTS, DLLS, FILES, POWERSHELL, type Account } from './org.js';
import { MIN } from './machine.js';
import type { Proc } from './timeline.js';
import type { ContextDef, ScenarioPlan, StageDef, World } from './world.js';

export const ATOMIC_START = Date.UTC(2026, 10, 12, 13, 0, 0);

const NAME = 'Security Interop Agent';
const FACTORY = 'Microsoft.Exchange.Security.Interop.SecurityInteropAgentFactory';
const DLL = 'c:\\program files\\microsoft\\Exchange Server\\v15\\bin\\Microsoft.Exchange.Security.Interop.dll';
const SNAPIN = 'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn';

export const ATOMIC_STAGES: StageDef[] = [
  { id: 'art-01-install-attempt-fails', expectedMinLevel: 'high', description: 'EXCH02: Invoke-AtomicTest T1505.002 with a relative -AssemblyPath: powershell.exe & {Add-PSSnapin …; Install-TransportAgent -Name "Security Interop Agent" -TransportAgentFactory Microsoft.Exchange.Security.Interop.SecurityInteropAgentFactory -AssemblyPath .\\Microsoft.Exchange.Security.Interop.dll; Enable-TransportAgent …; Get-TransportAgent | Format-List Name,Enabled}; script block; both cmdlets fail: MSExchange Management event 6 twice (assembly file doesn\'t exist; agent isn\'t found)' },
  { id: 'art-02-install-and-enable', expectedMinLevel: 'high', description: 'EXCH02: the test with its default inputs: powershell.exe & {… Install-TransportAgent -Name "Security Interop Agent" … -AssemblyPath c:\\program files\\microsoft\\Exchange Server\\v15\\bin\\Microsoft.Exchange.Security.Interop.dll; Enable-TransportAgent …; Get-TransportAgent | Format-List Name,Enabled}; script block and module logging; the (Microsoft-signed) DLL loaded into powershell.exe; agents.config rewritten twice by powershell.exe; no MSExchange Management event (local snap-in successes are not logged by default)' },
  { id: 'art-03-cleanup', expectedMinLevel: 'medium', description: 'EXCH02: the test\'s cleanup: powershell.exe & {… Disable-TransportAgent "Security Interop Agent" -Confirm:$false; Uninstall-TransportAgent … ; Get-TransportAgent}; script block and module logging; agents.config rewritten twice' },
];

export const ATOMIC_CONTEXT: ContextDef[] = [
  { id: 'art-operator-session', description: 'EXCH02: the operator\'s RDP session and the PowerShell window Invoke-AtomicTest runs in, with its own script blocks' },
  { id: 'art-prerequisites', description: 'EXCH02: Invoke-AtomicTest -CheckPrereqs / -GetPrereqs: Get-TransportAgent -TransportService FrontEnd (fails without the snap-in) and Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn' },
];

export function atomic(w: World, opts: { cmdletSuccessLogging: boolean }): ScenarioPlan {
  const { tl, rng, exch02: ex, adm01: ws } = w;
  const host = ex.host;
  const op: Account = ACCOUNTS.phale;
  const from = ATOMIC_START, to = ATOMIC_START + 5 * 3_600_000;
  const sec = (a: number, b: number) => rng.int(a * 1000, b * 1000);
  let t = ATOMIC_START + 2 * 3_600_000 + rng.int(0, 30) * MIN + sec(0, 59);

  // The operator's elevated PowerShell window with Invoke-AtomicTest loaded
  const shell = tl.context('art-operator-session', () => {
    const desk = ex.desktop(t - 6 * MIN, op, ws.host);
    const sh = tl.spawn(t - 4 * MIN, desk, FILES.powershell, `"${POWERSHELL}" `, { integrity: 'High', elevation: 'Full', cwd: `C:\\Users\\${op.name}\\` });
    tl.scriptBlock(t - 3 * MIN, sh, 'Import-Module "C:\\AtomicRedTeam\\invoke-atomicredteam\\Invoke-AtomicRedTeam.psd1" -Force');
    return sh;
  });

  /** One Invoke-AtomicTest command: the child powershell.exe and the script block it compiles. */
  const child = (at: number, lines: string[], cwd = `C:\\Users\\${op.name}\\`): Proc => {
    const block = lines.join('\n');
    const p = tl.spawn(at, shell, FILES.powershell, `"powershell.exe" & {${block}}`, { cwd });
    tl.scriptBlock(at + sec(1, 2), p, `& {${block}}`);
    return p;
  };
  const hostRunspace = () => ({ runspace: rng.guid(), hostId: rng.guid() });
  let seqNo = 1;
  const module = (at: number, p: Proc, ids: { runspace: string; hostId: string }, name: string, params: [string, string][]) =>
    tl.pipeline(at, p, { name, params, host: 'ConsoleHost', runspace: ids.runspace, hostId: ids.hostId, pipelineId: 1, sequence: seqNo++ });
  const cmdlet = (at: number, p: Proc, id: 3 | 6, name: string, params: string, error?: string) => tl.cmdletLog(at, host, id, {
    cmdlet: name, params, caller: `corp.example/Admins/${op.name}`, sid: op.sid, application: 'Local-PowerShell-Unknown', hostProcess: `${p.pid} powershell`,
    thread: rng.int(1, 12), elapsedMs: rng.int(40, 900), dc: 'DC01.corp.example', ...(error ? { error: { text: error, category: 5 } } : {}), outputCount: error ? 0 : 1, activityId: rng.guid(),
  });

  // Prerequisites
  tl.context('art-prerequisites', () => {
    tl.scriptBlock(t, shell, 'Invoke-AtomicTest T1505.002 -CheckPrereqs');
    child(t + sec(1, 2), ['Get-TransportAgent -TransportService FrontEnd']);
    t += sec(40, 90);
    tl.scriptBlock(t, shell, 'Invoke-AtomicTest T1505.002 -GetPrereqs');
    child(t + sec(1, 2), [SNAPIN]);
  });

  // First run: a relative assembly path
  t += sec(120, 300);
  tl.context('art-operator-session', () => tl.scriptBlock(t, shell, `Invoke-AtomicTest T1505.002 -InputArgs @{ transport_agent_identity = '"${NAME}"'; dll_path = '.\\Microsoft.Exchange.Security.Interop.dll' }`));
  tl.stage('art-01-install-attempt-fails', () => {
    const p = child(t + sec(1, 2), [SNAPIN,
      `Install-TransportAgent -Name "${NAME}" -TransportAgentFactory ${FACTORY} -AssemblyPath .\\Microsoft.Exchange.Security.Interop.dll`,
      `Enable-TransportAgent "${NAME}"`,
      'Get-TransportAgent | Format-List Name,Enabled'], 'C:\\AtomicRedTeam\\');
    t += sec(6, 10);
    cmdlet(t, p, 6, 'Install-TransportAgent', `-Name "${NAME}" -TransportAgentFactory "${FACTORY}" -AssemblyPath ".\\Microsoft.Exchange.Security.Interop.dll"`,
      'System.ArgumentException: The Transport Agent assembly file ".\\Microsoft.Exchange.Security.Interop.dll" doesn\'t exist.');
    t += sec(0, 1);
    cmdlet(t, p, 6, 'Enable-TransportAgent', `-Identity "${NAME}"`, `Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException: Transport agent "${NAME}" isn't found.`);
  });

  // Second run: the default inputs
  t += sec(180, 420);
  tl.context('art-operator-session', () => tl.scriptBlock(t, shell, `Invoke-AtomicTest T1505.002 -InputArgs @{ transport_agent_identity = '"${NAME}"' }`));
  tl.stage('art-02-install-and-enable', () => {
    const lines = [SNAPIN, `Install-TransportAgent -Name "${NAME}" -TransportAgentFactory ${FACTORY} -AssemblyPath ${DLL}`, `Enable-TransportAgent "${NAME}"`, 'Get-TransportAgent | Format-List Name,Enabled'];
    const p = child(t + sec(1, 2), lines);
    const ids = hostRunspace();
    t += sec(5, 8);
    module(t, p, ids, 'Add-PSSnapin', [['Name', 'Microsoft.Exchange.Management.PowerShell.SnapIn']]);
    t += sec(4, 9);
    tl.imageLoad(t, p, DLLS.securityInterop);
    tl.agentsConfigRewrite(t + sec(1, 2), p, 3950);
    module(t + sec(2, 3), p, ids, 'Install-TransportAgent', [['Name', NAME], ['TransportAgentFactory', FACTORY], ['AssemblyPath', DLL]]);
    if (opts.cmdletSuccessLogging) cmdlet(t + sec(2, 3), p, 3, 'Install-TransportAgent', `-Name "${NAME}" -TransportAgentFactory "${FACTORY}" -AssemblyPath "${DLL}"`);
    t += sec(3, 5);
    tl.agentsConfigRewrite(t, p, 3950);
    module(t + sec(0, 1), p, ids, 'Enable-TransportAgent', [['Identity', NAME]]);
    if (opts.cmdletSuccessLogging) cmdlet(t + sec(0, 1), p, 3, 'Enable-TransportAgent', `-Identity "${NAME}"`);
    t += sec(1, 2);
    module(t, p, ids, 'Get-TransportAgent', []);
    module(t + 30, p, ids, 'Format-List', [['Property', 'Name, Enabled']]);
  });

  // Cleanup
  t += sec(600, 1100);
  tl.context('art-operator-session', () => tl.scriptBlock(t, shell, 'Invoke-AtomicTest T1505.002 -Cleanup'));
  tl.stage('art-03-cleanup', () => {
    const p = child(t + sec(1, 2), [SNAPIN, 'if(Get-Command "Get-TransportAgent" -ErrorAction Ignore){', `  Disable-TransportAgent "${NAME}" -Confirm:$false`, `  Uninstall-TransportAgent "${NAME}" -Confirm:$false`, '  Get-TransportAgent', '}']);
    const ids = hostRunspace();
    t += sec(5, 8);
    module(t, p, ids, 'Add-PSSnapin', [['Name', 'Microsoft.Exchange.Management.PowerShell.SnapIn']]);
    t += sec(3, 6);
    tl.agentsConfigRewrite(t, p, 3950);
    module(t + sec(0, 1), p, ids, 'Disable-TransportAgent', [['Identity', NAME], ['Confirm', 'False']]);
    if (opts.cmdletSuccessLogging) cmdlet(t + sec(0, 1), p, 3, 'Disable-TransportAgent', `-Identity "${NAME}" -Confirm:$false`);
    t += sec(1, 3);
    tl.agentsConfigRewrite(t, p, 3520);
    module(t + sec(0, 1), p, ids, 'Uninstall-TransportAgent', [['Identity', NAME], ['Confirm', 'False']]);
    if (opts.cmdletSuccessLogging) cmdlet(t + sec(0, 1), p, 3, 'Uninstall-TransportAgent', `-Identity "${NAME}" -Confirm:$false`);
    module(t + sec(1, 2), p, ids, 'Get-TransportAgent', []);
  });

  ex.background(from, to, 6);

  return {
    description: 'Atomic Red Team T1505.002 (DOMAIN §3.3) on EXCH02 through Invoke-AtomicTest: prerequisites, a failed first run (relative path: MSExchange Management 6 twice), the default run (Install/Enable "Security Interop Agent", no cmdlet log: the local snap-in gap), the cleanup (Disable/Uninstall)',
    hosts: [ex.host],
    window: { from, to },
    stages: ATOMIC_STAGES,
    context: ATOMIC_CONTEXT,
  };
}
