// One modelled Windows machine: the processes running on it, its transport service (on Mailbox
// servers), interactive sessions, the Exchange Management Shell, and the background activity of
// an ordinary day (services, scheduled tasks, Defender updates, logons, users' programs).
import { ACCOUNTS, DLLS, DOMAIN_FQDN, EX, EX_BIN, FILES, PICKUP, POWERSHELL, type Account, type FileMeta, type Host } from './org.js';
import type { Proc, Timeline } from './timeline.js';

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** The agents a 2019 Mailbox server loads (agents.config defaults, plus the anti-spam agents installed on it). */
export const DEFAULT_AGENT_DLLS: FileMeta[] = [DLLS.dataTransport, DLLS.ruleAgent, DLLS.malwareAgent, DLLS.mobileDriver, DLLS.systemProbeDrop, DLLS.hygiene];

const EMS_COMMAND = `${POWERSHELL} -noexit -command ". '${EX_BIN}\\RemoteExchange.ps1'; Connect-ExchangeServer -auto -ClientApplication:ManagementShell "`;

export interface PsSession {
  proc: Proc;
  runspace: string;
  hostId: string;
  pipeline: number;
  sequence: number;
  /** the implicit-remoting module the EMS proxy functions live in */
  module: string;
  /** the Exchange server whose w3wp runs the cmdlets (EMS), or null for a local snap-in session */
  server: Machine | null;
}

export interface TransportStartOptions {
  /** runs when EdgeTransport.exe has loaded `agents`, before the service reports running; returns the time it ends */
  afterAgents?: (t: number, edge: Proc) => number;
  /** an agent cannot be created: emits what follows and returns true (the service stops instead of running) */
  agentFailure?: (t: number, edge: Proc) => boolean;
}

export class Machine {
  readonly system: Proc;
  readonly services: Proc;
  readonly winlogon: Proc;
  readonly svcNetsvcs: Proc;
  readonly svcWinRM: Proc;
  /** svchost -k DcomLaunch: starts COM servers (WmiPrvSE.exe, wsmprovhost.exe -Embedding) */
  readonly svcDcom: Proc;
  readonly svcSchedule: Proc;
  readonly wmiprvse: Proc;
  readonly msmpeng: Proc;
  readonly exchange: boolean;
  msExchangeTransport: Proc | null = null;
  private edge: Proc | null = null;
  private w3wpPs: Proc | null = null;
  w3wpOwa: Proc | null = null;
  /** which EdgeTransport.exe and EMS w3wp.exe ran when, so background activity generated afterwards uses the right one */
  private history = { edge: [] as { t: number; proc: Proc | null }[], w3wp: [] as { t: number; proc: Proc | null }[] };
  hmHost: Proc | null = null;
  diagService: Proc | null = null;
  /** the modules EdgeTransport.exe loads when it starts (agent DLLs) */
  agents: FileMeta[] = [...DEFAULT_AGENT_DLLS];
  private desktops = new Map<string, Proc>();
  private messageTrackingHour = -1;

  constructor(readonly tl: Timeline, readonly host: Host, boot: number) {
    const S = ACCOUNTS.system, NS = ACCOUNTS.networkService;
    this.system = tl.system(host, boot);
    this.services = tl.running(host, FILES.services, 'C:\\Windows\\system32\\services.exe', S, null, { start: boot });
    this.winlogon = tl.running(host, { ...FILES.svchost, path: 'C:\\Windows\\System32\\winlogon.exe', originalFileName: 'WINLOGON.EXE', description: 'Windows Logon Application' }, 'winlogon.exe', S, null, { start: boot });
    this.svcNetsvcs = tl.running(host, FILES.svchost, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p', S, this.services, { start: boot });
    this.svcSchedule = tl.running(host, FILES.svchost, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule', S, this.services, { start: boot });
    this.svcWinRM = tl.running(host, FILES.svchost, 'C:\\Windows\\System32\\svchost.exe -k NetworkService -p -s WinRM', NS, this.services, { start: boot });
    this.svcDcom = tl.running(host, FILES.svchost, 'C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p', S, this.services, { start: boot });
    this.wmiprvse = tl.running(host, FILES.wmiprvse, 'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding', NS, this.svcDcom, { start: boot });
    this.msmpeng = tl.running(host, FILES.msmpeng, `"${FILES.msmpeng.path}"`, S, this.services, { start: boot });
    this.exchange = host.role === 'Mailbox';
    if (this.exchange) {
      this.msExchangeTransport = tl.running(host, FILES.msExchangeTransport, `"${FILES.msExchangeTransport.path}"`, NS, this.services, { start: boot });
      this.setEdgeTransport(-Infinity, tl.running(host, FILES.edgeTransport, `"${FILES.edgeTransport.path}"`, NS, this.msExchangeTransport, { start: boot }));
      const w3wp = (pool: string) => `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" -c "${EX_BIN}\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm${tl.rng.guid()} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0`;
      this.setW3wpPowerShell(-Infinity, tl.running(host, FILES.w3wp, w3wp('MSExchangePowerShellAppPool'), S, this.svcNetsvcs, { start: boot }));
      this.w3wpOwa = tl.running(host, FILES.w3wp, w3wp('MSExchangeOWAAppPool'), S, this.svcNetsvcs, { start: boot });
      this.hmHost = tl.running(host, FILES.hmHost, `"${FILES.hmHost.path}"`, S, this.services, { start: boot });
      this.diagService = tl.running(host, FILES.diagService, `"${FILES.diagService.path}"`, S, this.services, { start: boot });
    }
  }

  get edgeTransport(): Proc | null { return this.edge; }
  get w3wpPowerShell(): Proc | null { return this.w3wpPs; }
  setEdgeTransport(t: number, p: Proc | null): void { this.edge = p; this.history.edge.push({ t, proc: p }); }
  setW3wpPowerShell(t: number, p: Proc | null): void { this.w3wpPs = p; this.history.w3wp.push({ t, proc: p }); }
  /** The EdgeTransport.exe (or EMS w3wp.exe) running at `t`, if any. */
  runningAt(which: 'edge' | 'w3wp', t: number): Proc | null {
    let found: Proc | null = null;
    for (const h of this.history[which]) if (h.t <= t) found = h.proc;
    return found;
  }

  // ---- transport -------------------------------------------------------------------------------

  /** Stops the transport service (EdgeTransport.exe ends with it). */
  stopTransport(t: number): void {
    this.tl.service(t, this.host, 'MSExchangeTransport', 'stopped');
    this.setEdgeTransport(t, null);
    this.msExchangeTransport = null;
  }

  /**
   * Starts the transport service: MSExchangeTransport.exe, then its worker EdgeTransport.exe, which
   * loads the agents of agents.config and starts the Content Filter wrapper. Returns when it is up.
   */
  startTransport(t: number, opts: TransportStartOptions = {}): number {
    const tl = this.tl, rng = tl.rng;
    const svc = tl.spawn(t, this.services, FILES.msExchangeTransport, `"${FILES.msExchangeTransport.path}"`, { user: ACCOUNTS.networkService, integrity: 'System', elevation: 'Full', session: 0, cwd: 'C:\\Windows\\system32\\' });
    this.msExchangeTransport = svc;
    t += rng.int(1500, 4000);
    const edge = tl.spawn(t, svc, FILES.edgeTransport, `"${FILES.edgeTransport.path}"`, { cwd: `${EX_BIN}\\` });
    this.setEdgeTransport(t, edge);
    for (const dll of this.agents) { t += rng.int(80, 900); tl.imageLoad(t, edge, dll); }
    if (opts.afterAgents) t = opts.afterAgents(t + rng.int(80, 900), edge);
    if (opts.agentFailure && opts.agentFailure(t + rng.int(500, 2000), edge)) return t;
    t += rng.int(3000, 9000);
    tl.service(t, this.host, 'MSExchangeTransport', 'running');
    if (this.agents.includes(DLLS.hygiene)) {
      t += rng.int(2000, 30000);
      tl.spawn(t, edge, FILES.contentFilterWrapper, `"${FILES.contentFilterWrapper.path}" -pipe:${rng.int(1000, 9999)} -stopkey:MSExchangeContentFilterWrapper_${rng.hex(8)}`, { cwd: `${EX}\\TransportRoles\\agents\\Hygiene\\` });
    }
    return t;
  }

  /** Restart-Service MSExchangeTransport (or a restart by setup): stopped, then running again. */
  restartTransport(t: number, opts: TransportStartOptions = {}): number {
    this.stopTransport(t);
    return this.startTransport(t + this.tl.rng.int(4000, 15000), opts);
  }

  // ---- people ----------------------------------------------------------------------------------

  /** An interactive (RDP) session of `user`: the logon, explorer.exe and rdpclip.exe; reused once opened. */
  desktop(t: number, user: Account, from?: Host): Proc {
    const have = this.desktops.get(user.sid);
    if (have) return have;
    const tl = this.tl;
    const logonId = tl.logon(t, this.host, user, from ? 10 : 2, from ? { from } : {});
    const userinit = tl.running(this.host, { ...FILES.svchost, path: 'C:\\Windows\\System32\\userinit.exe', originalFileName: 'USERINIT.EXE', description: 'Userinit Logon Application' }, 'C:\\Windows\\system32\\userinit.exe', user, this.winlogon, { start: t + 900 });
    const explorer = tl.spawn(t + 1500, userinit, FILES.explorer, 'C:\\Windows\\Explorer.EXE', { user, logonId, integrity: 'Medium', elevation: 'Limited', session: 2, cwd: `C:\\Users\\${user.name}\\` });
    tl.spawn(t + 2600, this.svcNetsvcs, FILES.rdpclip, 'rdpclip', { user, logonId, integrity: 'Medium', elevation: 'Limited', session: 2, cwd: 'C:\\Windows\\system32\\' });
    this.desktops.set(user.sid, explorer);
    return explorer;
  }

  /** Opens the Exchange Management Shell ("Run as administrator") in `user`'s session; its cmdlets run in `server`'s w3wp.exe. */
  ems(t: number, user: Account, server: Machine, from?: Host): PsSession {
    const tl = this.tl;
    const explorer = this.desktop(t - 20_000, user, from);
    const proc = tl.spawn(t, explorer, FILES.powershell, EMS_COMMAND, { integrity: 'High', elevation: 'Full', cwd: `${EX_BIN}\\` });
    const s: PsSession = { proc, runspace: tl.rng.guid(), hostId: tl.rng.guid(), pipeline: 1, sequence: 1, module: `C:\\Users\\${user.name}\\AppData\\Local\\Temp\\tmp_${tl.rng.hex(8)}.${tl.rng.hex(3)}\\tmp_${tl.rng.hex(8)}.${tl.rng.hex(3)}.psm1`, server };
    tl.scriptBlock(t + 1200, proc, `. '${EX_BIN}\\RemoteExchange.ps1'; Connect-ExchangeServer -auto -ClientApplication:ManagementShell `);
    tl.logon(t + 2500, server.host, user, 3, { from: this.host });
    return s;
  }

  /**
   * A cmdlet typed into the Exchange Management Shell: the script block on the console's host,
   * the implicit-remoting proxy call (4103), and, for a non-Get cmdlet, MSExchange Management
   * event 1 (or 6 with `error`) on the server whose w3wp.exe ran it. `effects` runs in w3wp.exe.
   */
  emsCmdlet(t: number, s: PsSession, line: string, cmd: { cmdlet: string; params: [string, string][]; error?: string; output?: number; effects?: (t: number, w3wp: Proc) => void }): number {
    const tl = this.tl, server = s.server!;
    tl.scriptBlock(t, s.proc, line);
    tl.pipeline(t + 40, s.proc, { name: cmd.cmdlet, type: 'Function', params: cmd.params, host: 'ConsoleHost', runspace: s.runspace, hostId: s.hostId, pipelineId: s.pipeline++, sequence: s.sequence++, script: s.module });
    const w3wp = server.w3wpPowerShell!;
    const ran = t + tl.rng.int(150, 600);
    const elapsed = tl.rng.int(80, 2500);
    if (cmd.effects) cmd.effects(ran, w3wp);
    if (!/^Get-/.test(cmd.cmdlet)) {
      tl.cmdletLog(ran + elapsed, server.host, cmd.error ? 6 : 1, {
        cmdlet: cmd.cmdlet, params: cmd.params.map(([k, v]) => (v === '$true' || v === '$false' ? `-${k}:${v}` : `-${k} "${v}"`)).join(' '),
        caller: `${DOMAIN_FQDN}/Admins/${s.proc.user.name}`, sid: s.proc.user.sid, application: 'Remote-ManagementShell-Unknown',
        hostProcess: `${w3wp.pid} w3wp#MSExchangePowerShellAppPool`, thread: tl.rng.int(20, 140), elapsedMs: elapsed, dc: `DC01.${DOMAIN_FQDN}`,
        ...(cmd.error ? { error: { text: cmd.error, category: 5 } } : {}), outputCount: cmd.output ?? (cmd.error ? 0 : 1), activityId: tl.rng.guid(),
      });
    }
    return ran + elapsed;
  }

  // ---- background ----------------------------------------------------------------------------

  /**
   * Background activity between `from` and `to`: about `perHour` actions an hour in working hours
   * (a third of that at night and at weekends).
   */
  background(from: number, to: number, perHour: number): void {
    const tl = this.tl, rng = tl.rng;
    let t = from;
    for (;;) {
      const d = new Date(t);
      const work = d.getUTCDay() !== 0 && d.getUTCDay() !== 6 && d.getUTCHours() >= 7 && d.getUTCHours() < 18;
      const rate = work ? perHour : perHour / 3;
      t += Math.max(1000, Math.round(-Math.log(1 - rng.next()) * HOUR / rate));
      if (t >= to) break;
      this.backgroundAction(t, work);
    }
  }

  /** Periods in which Exchange's own processes are down (setup): background activity there is only logons. */
  maintenance: [number, number][] = [];

  private backgroundAction(t: number, work: boolean): void {
    const tl = this.tl, rng = tl.rng, host = this.host;
    const S = ACCOUNTS.system;
    const roll = rng.next();
    if (this.exchange && this.maintenance.some(([a, b]) => t >= a && t <= b)) { tl.logon(t, host, S, 5); return; }
    const edge = this.exchange ? this.runningAt('edge', t) : null;
    if (edge && Math.floor(t / HOUR) !== this.messageTrackingHour) {
      // EdgeTransport.exe starts a new message tracking log each hour
      this.messageTrackingHour = Math.floor(t / HOUR);
      const d = new Date(t).toISOString();
      const name = `MSGTRK${d.slice(0, 4)}${d.slice(5, 7)}${d.slice(8, 10)}${d.slice(11, 13)}-1.LOG`;
      tl.fileWrite(t, edge, `${EX}\\TransportRoles\\Logs\\MessageTracking\\${name}`, { size: rng.int(2000, 90000) });
      return;
    }
    if (roll < 0.22) {
      // logons: Kerberos network logons of machine and service accounts, service logons
      if (rng.chance(0.7)) {
        const who = rng.pick([ACCOUNTS.jkeller, ACCOUNTS.mortiz, ACCOUNTS.lbauer, ACCOUNTS.svcReport]);
        tl.logon(t, host, who, 3, { from: rng.pick(this.peers) });
      } else tl.logon(t, host, S, 5);
    } else if (roll < 0.36) {
      // scheduled tasks and service hosts
      const opts = { user: S, integrity: 'System' as const, elevation: 'Full' as const, session: 0, cwd: 'C:\\Windows\\system32\\' };
      if (rng.chance(0.5)) tl.spawn(t, this.svcSchedule, FILES.taskhostw, rng.pick(['taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly', 'taskhostw.exe SYSTEM', 'taskhostw.exe /RuntimeWide']), opts);
      else tl.spawn(t, this.services, FILES.svchost, `C:\\Windows\\system32\\svchost.exe -k ${rng.pick(['netsvcs -p -s BITS', 'netsvcs -p -s wuauserv', 'LocalServiceNetworkRestricted -p -s lmhosts', 'wusvcs -p -s WaaSMedicSvc'])}`, opts);
    } else if (roll < 0.44) {
      // a service changing state
      const [svc, a, b] = rng.pick([['BITS', 'running', 'stopped'], ['wuauserv', 'running', 'stopped'], ['TrustedInstaller', 'running', 'stopped'], ['sppsvc', 'running', 'stopped']] as const);
      tl.service(t, host, svc, a);
      tl.service(t + rng.int(30_000, 300_000), host, svc, b);
    } else if (roll < 0.52) {
      // Defender: security intelligence update
      const run = tl.spawn(t, this.msmpeng, FILES.mpcmdrun, `"${FILES.mpcmdrun.path}" SignatureUpdate -ScheduleJob -RestrictPrivileges -DefinitionUpdateAutoFallback`, { user: S, session: 0 });
      const ver = `1.${rng.int(419, 421)}.${rng.int(100, 999)}.0`;
      const dir = `C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{${rng.guid().toUpperCase()}}`;
      tl.fileWrite(t + rng.int(4000, 20000), this.msmpeng, `${dir}\\mpasdlta.vdm`, { size: rng.int(200_000, 900_000) });
      tl.registrySet(t + rng.int(20000, 40000), this.msmpeng, 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates', 'AVSignatureVersion', 'String', ver);
      void run;
    } else if (this.exchange && roll < 0.66) {
      // Exchange's own processes: Health Manager workers, search, the diagnostics service's perf logs
      const k = rng.int(0, 2);
      const opts = { user: S, integrity: 'System' as const, elevation: 'Full' as const, session: 0, cwd: `${EX_BIN}\\` };
      if (k === 0) tl.spawn(t, this.hmHost!, FILES.hmWorker, `"${FILES.hmWorker.path}" -wp:${rng.int(1, 9)} -recycle:${rng.int(1000, 9999)}`, opts);
      else if (k === 1) tl.spawn(t, this.diagService!, FILES.logman, `"C:\\Windows\\system32\\logman.exe" query "ExchangeDiagnosticsDailyPerformanceLog"`, opts);
      else tl.fileWrite(t, this.diagService!, `${EX}\\Logging\\Diagnostics\\DailyPerformanceLogs\\ExchangeDiagnosticsDailyPerformanceLog_${new Date(t).toISOString().slice(5, 10).replace('-', '')}${String(new Date(t).getUTCHours()).padStart(2, '0')}.blg`, { size: rng.int(1_000_000, 9_000_000) });
    } else if (this.exchange && roll < 0.8) {
      // administrators' routine work through EMS (cmdlet log event 1, run by w3wp.exe)
      if (!work) { tl.logon(t, host, S, 5); return; }
      const admin = rng.pick([ACCOUNTS.jkeller, ACCOUNTS.mortiz]);
      const user = rng.pick(['a.schmidt', 'p.novak', 'k.lindqvist', 'r.haddad', 't.moreau', 'e.okafor']);
      const [cmdlet, params] = rng.pick([
        ['Set-Mailbox', `-Identity "${user}" -ProhibitSendQuota "9.5 GB" -ProhibitSendReceiveQuota "10 GB"`],
        ['Set-CASMailbox', `-Identity "${user}" -ActiveSyncEnabled "False"`],
        ['Add-MailboxPermission', `-Identity "shared-${rng.pick(['finance', 'hr', 'it'])}" -User "${user}" -AccessRights "FullAccess"`],
        ['New-MoveRequest', `-Identity "${user}" -TargetDatabase "DB0${rng.int(1, 4)}"`],
        ['Set-DistributionGroup', `-Identity "all-staff" -RequireSenderAuthenticationEnabled "True"`],
        ['Enable-Mailbox', `-Identity "${user}"`],
      ] as const);
      tl.cmdletLog(t, host, 1, {
        cmdlet, params, caller: `${DOMAIN_FQDN}/Admins/${admin.name}`, sid: admin.sid, application: 'Remote-ManagementShell-Unknown',
        hostProcess: `${(this.runningAt('w3wp', t) ?? this.w3wpPowerShell!).pid} w3wp#MSExchangePowerShellAppPool`, thread: rng.int(20, 140), elapsedMs: rng.int(60, 4000), dc: `DC01.${DOMAIN_FQDN}`, outputCount: 1, activityId: rng.guid(),
      });
    } else if (this.exchange && roll < 0.86) {
      // the daily queue report: a scheduled PowerShell script drops a message into the Pickup folder
      if (!work || new Date(t).getUTCHours() !== 7 && new Date(t).getUTCHours() !== 16) { tl.logon(t, host, S, 5); return; }
      const logonId = tl.logon(t, host, ACCOUNTS.svcReport, 4);
      const ps = tl.spawn(t + 300, this.svcSchedule, FILES.powershell, `${POWERSHELL} -NoProfile -ExecutionPolicy Bypass -File C:\\Scripts\\Send-QueueReport.ps1`, { user: ACCOUNTS.svcReport, logonId, integrity: 'High', elevation: 'Full', session: 0, cwd: 'C:\\Windows\\system32\\' });
      tl.scriptBlock(t + 900, ps, SEND_QUEUE_REPORT, FILES.queueReportScript.path);
      tl.fileWrite(t + rng.int(2000, 6000), ps, `${PICKUP}\\queue-report-${new Date(t).toISOString().slice(0, 13).replace(/[-T]/g, '')}.eml`, { size: rng.int(3000, 9000) });
    } else if (this.exchange) {
      // EdgeTransport.exe: its own working files
      if (!edge) { tl.logon(t, host, S, 5); return; }
      tl.fileWrite(t, edge, `${EX}\\TransportRoles\\Logs\\Hub\\Connectivity\\CONNECTLOG${new Date(t).toISOString().slice(0, 10).replace(/-/g, '')}-${rng.int(1, 9)}.LOG`, { modified: true, size: rng.int(10_000, 900_000) });
    } else {
      // a person's programs on the workstation
      if (!work) { tl.logon(t, host, S, 5); return; }
      const user = ACCOUNTS.lbauer;
      const explorer = this.desktop(t, user);
      const [file, cmd] = rng.pick([
        [FILES.notepad, `"C:\\Windows\\system32\\notepad.exe" C:\\Users\\${user.name}\\Documents\\notes.txt`],
        [FILES.mmc, `"C:\\Windows\\system32\\mmc.exe" "C:\\Windows\\system32\\dsa.msc"`],
        [FILES.firefox, `"${FILES.firefox.path}"`],
        [FILES.cmd, '"C:\\Windows\\system32\\cmd.exe" '],
      ] as const);
      tl.spawn(t, explorer, file, cmd, { cwd: `C:\\Users\\${user.name}\\` });
    }
  }

  /** Machines this one gets network logons from. */
  peers: Host[] = [];
}

const SEND_QUEUE_REPORT = [
  '# Transport queue summary for the messaging team (scheduled task, 07:00 and 16:00)',
  'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn',
  '$q = Get-Queue | Sort-Object MessageCount -Descending | Select-Object -First 10 | Format-Table -AutoSize | Out-String',
  "$eml = \"From: reports@corp.example`r`nTo: messaging-team@corp.example`r`nSubject: Transport queue summary`r`n`r`n$q\"",
  `$name = '${PICKUP}\\queue-report-' + (Get-Date -Format 'yyyyMMddHH') + '.eml'`,
  'Set-Content -Path $name -Value $eml -Encoding ASCII',
].join('\r\n');
