// A scenario's timeline: processes, logons and the telemetry each action leaves. One action (a
// process start, a file write, a module load, a registry change) is recorded the way each sensor
// of the modelled organisation sees it: Sysmon, Security 4688 and Defender for Endpoint, as the
// organisation's audit policy has them all on. Event builders for every channel live here.
import { isoString } from '../util/time.js';
import type { Rng } from './prng.js';
import { ACCOUNTS, AGENTS_CONFIG, AGENTS_CONFIG_CREATED, hashesOf, userName, type Account, type FileMeta, type Host, FILES, SERVICES } from './org.js';
import { DEFENDER_COLUMNS, type CellValue, type DataValue, type DefenderRow, type DefenderTable, type ScenarioRecord, type Tag, type WinEvent } from './records.js';

export type Integrity = 'System' | 'High' | 'Medium' | 'Low';

export interface Proc {
  host: Host;
  pid: number;
  guid: string;
  file: FileMeta;
  cmd: string;
  cwd: string;
  user: Account;
  logonId: string;
  integrity: Integrity;
  /** TokenElevationTypeFull (%%1936, an administrator's or a service's full token), Limited (%%1938), Default (%%1937) */
  elevation: 'Full' | 'Limited' | 'Default';
  session: number;
  start: number;
  parent: Proc | null;
}

const SYSMON = { name: 'Microsoft-Windows-Sysmon', guid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}' };
const SECURITY = { name: 'Microsoft-Windows-Security-Auditing', guid: '{54849625-5478-4994-A5BA-3E3B0328C30D}' };
const POWERSHELL = { name: 'Microsoft-Windows-PowerShell', guid: '{A0C1853B-5C40-4B15-8766-3CF1C58F985A}' };
const SCM = { name: 'Service Control Manager', guid: '{555908d1-a6d7-4695-8e1e-26931d2012f4}', eventSourceName: 'Service Control Manager' };
export const CH = {
  sysmon: 'Microsoft-Windows-Sysmon/Operational',
  security: 'Security',
  powershell: 'Microsoft-Windows-PowerShell/Operational',
  system: 'System',
  application: 'Application',
  exchangeManagement: 'MSExchange Management',
} as const;

const SYSMON_VERSION: Record<number, number> = { 1: 5, 7: 3, 11: 2, 12: 2, 13: 2, 23: 5 };
const INTEGRITY_SID: Record<Integrity, string> = { System: 'S-1-16-16384', High: 'S-1-16-12288', Medium: 'S-1-16-8192', Low: 'S-1-16-4096' };
const ELEVATION_4688: Record<Proc['elevation'], string> = { Full: '%%1936', Default: '%%1937', Limited: '%%1938' };

/** 2026-11-02 09:43:02.734 (Sysmon's UtcTime) */
export function sysmonTime(t: number): string {
  return new Date(t).toISOString().replace('T', ' ').replace('Z', '');
}
const hex = (n: number) => `0x${n.toString(16)}`;
const fileName = (path: string) => path.slice(path.lastIndexOf('\\') + 1);

export class Timeline {
  readonly records: ScenarioRecord[] = [];
  tag: Tag = {};
  private seq = 0;
  private pids = new Map<string, Set<number>>();
  private hostGuid = new Map<string, string>();
  private logons = new Map<string, string>();
  private systemProcs = new Map<string, Proc>();

  constructor(readonly rng: Rng) {}

  /** Runs `fn` with every record it makes tagged as intrusion stage `id`. */
  stage<T>(id: string, fn: () => T): T { return this.tagged({ stage: id }, fn); }
  /** Runs `fn` with every record tagged as context `id` (part of an intrusion, no detection expected). */
  context<T>(id: string, fn: () => T): T { return this.tagged({ context: id }, fn); }
  private tagged<T>(tag: Tag, fn: () => T): T {
    const prev = this.tag;
    this.tag = tag;
    try { return fn(); } finally { this.tag = prev; }
  }

  // ---- identities ---------------------------------------------------------------------------

  private prefix(host: Host): string {
    let p = this.hostGuid.get(host.name);
    if (!p) this.hostGuid.set(host.name, (p = this.rng.hex(8)));
    return p;
  }

  private newPid(host: Host): number {
    let used = this.pids.get(host.name);
    if (!used) this.pids.set(host.name, (used = new Set()));
    for (;;) {
      const pid = this.rng.int(100, 6000) * 4;
      if (!used.has(pid)) { used.add(pid); return pid; }
    }
  }

  private processGuid(host: Host): string {
    return `{${this.prefix(host)}-${this.rng.hex(4)}-${this.rng.hex(4)}-${this.rng.hex(2)}0${this.rng.hex(1)}-${this.rng.hex(4)}00000000}`;
  }

  /** The logon id of `user` on `host` (one interactive or service logon per user and host, unless `fresh`). */
  logonId(host: Host, user: Account, fresh = false): string {
    if (user.logonId) return user.logonId;
    const k = `${host.name}|${user.sid}`;
    let id = fresh ? undefined : this.logons.get(k);
    if (!id) { id = hex(this.rng.int(0x100000, 0x7fffffff)); if (!fresh) this.logons.set(k, id); }
    return id;
  }

  private logonGuid(host: Host, logonId: string): string {
    const n = parseInt(logonId, 16);
    const le = [0, 8, 16, 24].map((s) => ((n >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
    return `{${this.prefix(host)}-0000-0000-${le.slice(0, 4)}-${le.slice(4)}00000000}`;
  }

  /** The System process (pid 4), which writes files arriving over SMB. */
  system(host: Host, boot = 0): Proc {
    let p = this.systemProcs.get(host.name);
    if (!p) {
      p = { host, pid: 4, guid: `{${this.prefix(host)}-0000-0000-eb01-000000000000}`, file: FILES.system, cmd: '', cwd: '', user: ACCOUNTS.system, logonId: '0x3e7', integrity: 'System', elevation: 'Full', session: 0, start: boot, parent: null };
      this.systemProcs.set(host.name, p);
    }
    return p;
  }

  /** A process that was already running when the recorded window starts (no telemetry). */
  running(host: Host, file: FileMeta, cmd: string, user: Account, parent: Proc | null, opts: { integrity?: Integrity; session?: number; cwd?: string; start?: number } = {}): Proc {
    const integrity = opts.integrity ?? (user.logonId ? 'System' : 'High');
    return {
      host, pid: this.newPid(host), guid: this.processGuid(host), file, cmd, cwd: opts.cwd ?? 'C:\\Windows\\system32\\', user,
      logonId: this.logonId(host, user), integrity, elevation: integrity === 'System' || integrity === 'High' ? 'Full' : 'Limited',
      session: opts.session ?? (user.logonId ? 0 : 2), start: opts.start ?? 0, parent,
    };
  }

  // ---- record plumbing ---------------------------------------------------------------------

  private win(t: number, host: Host, channel: string, provider: WinEvent['provider'], eventId: number, data: WinEvent['data'], sys: Partial<Pick<WinEvent, 'qualifiers' | 'version' | 'level' | 'task' | 'opcode' | 'keywords' | 'execution' | 'userSid' | 'activityId' | 'binary'>>): WinEvent {
    const e: WinEvent = {
      kind: 'windows', id: '', seq: this.seq++, time: t, host, channel, provider, eventId,
      version: sys.version ?? 0, level: sys.level ?? 4, task: sys.task ?? 0, opcode: sys.opcode ?? 0, keywords: sys.keywords ?? '0x8000000000000000',
      execution: sys.execution === undefined ? { pid: 4, tid: this.rng.int(50, 9000) * 4 } : sys.execution,
      userSid: sys.userSid ?? null, data, recordId: 0, tag: this.tag,
    };
    if (sys.qualifiers !== undefined) e.qualifiers = sys.qualifiers;
    if (sys.activityId !== undefined) e.activityId = sys.activityId;
    if (sys.binary !== undefined) e.binary = sys.binary;
    this.records.push(e);
    return e;
  }

  private sysmon(t: number, host: Host, id: number, data: [string, DataValue][]): WinEvent {
    return this.win(t, host, CH.sysmon, SYSMON, id, { named: data }, {
      version: SYSMON_VERSION[id] ?? 2, level: 4, task: id, opcode: 0, keywords: '0x8000000000000000',
      execution: { pid: host.sysmonPid, tid: this.rng.int(900, 1200) * 4 }, userSid: 'S-1-5-18',
    });
  }

  private defender(t: number, host: Host, table: DefenderTable, cells: Record<string, CellValue>): DefenderRow {
    const row: Record<string, CellValue> = {};
    for (const c of DEFENDER_COLUMNS[table]) row[c] = cells[c] ?? defaultCell(c);
    row['Timestamp'] = isoString(t);
    row['DeviceId'] = host.deviceId;
    row['DeviceName'] = host.fqdn.toLowerCase();
    const r: DefenderRow = { kind: 'defender', id: '', seq: this.seq++, time: t, host, table, row, tag: this.tag };
    this.records.push(r);
    return r;
  }

  private initiating(p: Proc): Record<string, CellValue> {
    const h = hashesOf(p.file);
    const pp = p.parent;
    return {
      InitiatingProcessAccountDomain: p.user.domain.toLowerCase(), InitiatingProcessAccountName: p.user.name.toLowerCase(), InitiatingProcessAccountSid: p.user.sid,
      InitiatingProcessAccountUpn: p.user.upn ?? '', InitiatingProcessMD5: h.md5.toLowerCase(), InitiatingProcessSHA1: h.sha1.toLowerCase(), InitiatingProcessSHA256: h.sha256.toLowerCase(),
      InitiatingProcessFolderPath: p.file.path.toLowerCase(), InitiatingProcessFileName: fileName(p.file.path), InitiatingProcessFileSize: p.file.size,
      InitiatingProcessVersionInfoCompanyName: p.file.company === '-' ? '' : p.file.company, InitiatingProcessVersionInfoProductName: p.file.product === '-' ? '' : p.file.product,
      InitiatingProcessVersionInfoProductVersion: p.file.fileVersion === '-' ? '' : p.file.fileVersion.split(' ')[0]!, InitiatingProcessVersionInfoInternalFileName: p.file.originalFileName === '-' ? '' : p.file.originalFileName,
      InitiatingProcessVersionInfoOriginalFileName: p.file.originalFileName === '-' ? '' : p.file.originalFileName, InitiatingProcessVersionInfoFileDescription: p.file.description === '-' ? '' : p.file.description,
      InitiatingProcessId: p.pid, InitiatingProcessCommandLine: p.cmd, InitiatingProcessCreationTime: isoString(p.start),
      InitiatingProcessIntegrityLevel: p.integrity, InitiatingProcessTokenElevation: `TokenElevationType${p.elevation}`,
      InitiatingProcessParentId: pp?.pid ?? 0, InitiatingProcessParentFileName: pp ? fileName(pp.file.path) : '', InitiatingProcessParentCreationTime: pp ? isoString(pp.start) : '',
    };
  }

  // ---- process creation ----------------------------------------------------------------------

  /** Starts a process: Sysmon 1, Security 4688 and a DeviceProcessEvents row. */
  spawn(t: number, parent: Proc, file: FileMeta, cmd: string, opts: { user?: Account; cwd?: string; integrity?: Integrity; elevation?: Proc['elevation']; logonId?: string; session?: number } = {}): Proc {
    const host = parent.host;
    const user = opts.user ?? parent.user;
    const p: Proc = {
      host, pid: this.newPid(host), guid: this.processGuid(host), file, cmd, cwd: opts.cwd ?? parent.cwd ?? 'C:\\Windows\\system32\\', user,
      logonId: opts.logonId ?? (user === parent.user ? parent.logonId : this.logonId(host, user)),
      integrity: opts.integrity ?? parent.integrity, elevation: opts.elevation ?? parent.elevation, session: opts.session ?? parent.session, start: t, parent,
    };
    const h = hashesOf(file);
    this.sysmon(t, host, 1, [
      ['RuleName', '-'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', p.guid], ['ProcessId', p.pid], ['Image', file.path],
      ['FileVersion', file.fileVersion], ['Description', file.description], ['Product', file.product], ['Company', file.company], ['OriginalFileName', file.originalFileName],
      ['CommandLine', cmd], ['CurrentDirectory', p.cwd], ['User', userName(user)], ['LogonGuid', this.logonGuid(host, p.logonId)], ['LogonId', p.logonId],
      ['TerminalSessionId', p.session], ['IntegrityLevel', p.integrity], ['Hashes', `SHA1=${h.sha1},MD5=${h.md5},SHA256=${h.sha256},IMPHASH=${h.imphash}`],
      ['ParentProcessGuid', parent.guid], ['ParentProcessId', parent.pid], ['ParentImage', parent.file.path], ['ParentCommandLine', parent.cmd], ['ParentUser', userName(parent.user)],
    ]);
    const creator = parent.user, other = user.sid !== creator.sid;
    this.win(t, host, CH.security, SECURITY, 4688, { named: [
      ['SubjectUserSid', creator.sid], ['SubjectUserName', creator.logonId ? `${host.name}$` : creator.name], ['SubjectDomainName', creator.logonId ? 'CORP' : creator.domain],
      ['SubjectLogonId', parent.logonId], ['NewProcessId', hex(p.pid)], ['NewProcessName', file.path], ['TokenElevationType', ELEVATION_4688[p.elevation]],
      ['ProcessId', hex(parent.pid)], ['CommandLine', cmd], ['TargetUserSid', other ? user.sid : 'S-1-0-0'], ['TargetUserName', other ? user.name : '-'],
      ['TargetDomainName', other ? user.domain : '-'], ['TargetLogonId', other ? p.logonId : '0x0'], ['ParentProcessName', parent.file.path], ['MandatoryLabel', INTEGRITY_SID[p.integrity]],
    ] }, { version: 2, level: 0, task: 13312, opcode: 0, keywords: '0x8020000000000000', execution: { pid: 4, tid: this.rng.int(20, 3000) * 4 } });
    this.defender(t, host, 'DeviceProcessEvents', {
      ActionType: 'ProcessCreated', FileName: fileName(file.path), FolderPath: file.path, SHA1: h.sha1.toLowerCase(), SHA256: h.sha256.toLowerCase(), MD5: h.md5.toLowerCase(), FileSize: file.size,
      ProcessVersionInfoCompanyName: file.company === '-' ? '' : file.company, ProcessVersionInfoProductName: file.product === '-' ? '' : file.product,
      ProcessVersionInfoProductVersion: file.fileVersion === '-' ? '' : file.fileVersion.split(' ')[0]!, ProcessVersionInfoInternalFileName: file.originalFileName === '-' ? '' : file.originalFileName,
      ProcessVersionInfoOriginalFileName: file.originalFileName === '-' ? '' : file.originalFileName, ProcessVersionInfoFileDescription: file.description === '-' ? '' : file.description,
      ProcessId: p.pid, ProcessCommandLine: cmd, ProcessIntegrityLevel: p.integrity, ProcessTokenElevation: `TokenElevationType${p.elevation}`, ProcessCreationTime: isoString(t),
      AccountDomain: user.domain.toLowerCase(), AccountName: user.name.toLowerCase(), AccountSid: user.sid, AccountUpn: user.upn ?? '', LogonId: parseInt(p.logonId, 16),
      ...this.initiating(parent), InitiatingProcessLogonId: parseInt(parent.logonId, 16),
      InitiatingProcessSignerType: parent.file.signer === 'Microsoft Corporation' ? 'OsVendor' : parent.file.signer ? 'ThirdParty' : 'None',
      InitiatingProcessSignatureStatus: parent.file.signer ? 'Valid' : 'Unsigned',
    });
    return p;
  }

  // ---- files -------------------------------------------------------------------------------

  /**
   * A file written by `proc`. `modified`: the file existed (Defender FileModified; Sysmon 11 only
   * when the writer truncates and rewrites it, `rewrite`). `created` is the file's original
   * creation time for Sysmon's CreationUtcTime.
   */
  /** `proc` rewrites the server's agents.config (installing, enabling, disabling, removing an agent), leaving it `size` bytes. */
  agentsConfigRewrite(t: number, proc: Proc, size: number): void {
    const created = AGENTS_CONFIG_CREATED[proc.host.name];
    if (created === undefined) throw new Error(`internal: no agents.config on ${proc.host.name}`);
    this.fileWrite(t, proc, AGENTS_CONFIG, { modified: true, rewrite: true, created, size });
  }

  fileWrite(t: number, proc: Proc, path: string, opts: { modified?: boolean; rewrite?: boolean; created?: number; file?: FileMeta; size?: number; smb?: { from: Host; account: Account; port?: number } } = {}): void {
    const host = proc.host;
    const f = opts.file ?? { path, fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: null, size: opts.size ?? 0 };
    const h = hashesOf(f);
    if (!opts.modified || opts.rewrite) {
      this.sysmon(t, host, 11, [
        ['RuleName', '-'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', proc.guid], ['ProcessId', proc.pid], ['Image', proc.file.path],
        ['TargetFilename', path], ['CreationUtcTime', sysmonTime(opts.created ?? t)], ['User', userName(proc.user)],
      ]);
    }
    const smb = opts.smb;
    this.defender(t, host, 'DeviceFileEvents', {
      ActionType: opts.modified ? 'FileModified' : 'FileCreated', FileName: fileName(path), FolderPath: path,
      SHA1: h.sha1.toLowerCase(), SHA256: '', MD5: h.md5.toLowerCase(), FileSize: opts.size ?? f.size,
      ...this.initiating(proc),
      ...(smb ? { RequestProtocol: 'SMB', RequestSourceIP: smb.from.ip, RequestSourcePort: smb.port ?? this.rng.int(49152, 65535), RequestAccountName: smb.account.name,
        RequestAccountDomain: smb.account.domain, RequestAccountSid: smb.account.sid, ShareName: 'C$' } : { RequestProtocol: 'Local' }),
      InitiatingProcessSessionId: proc.session, IsInitiatingProcessRemoteSession: false,
    });
  }

  /** A file deleted by `proc`: Sysmon 23 (the config archives deleted executables and scripts) and FileDeleted. */
  fileDelete(t: number, proc: Proc, path: string, file?: FileMeta): void {
    const f = file ?? { path, fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: null, size: 0 };
    const h = hashesOf(f);
    this.sysmon(t, proc.host, 23, [
      ['RuleName', '-'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', proc.guid], ['ProcessId', proc.pid], ['User', userName(proc.user)], ['Image', proc.file.path],
      ['TargetFilename', path], ['Hashes', `SHA1=${h.sha1},MD5=${h.md5},SHA256=${h.sha256},IMPHASH=${h.imphash}`], ['IsExecutable', /\.(dll|exe)$/i.test(path) ? 'true' : 'false'], ['Archived', 'true'],
    ]);
    this.defender(t, proc.host, 'DeviceFileEvents', {
      ActionType: 'FileDeleted', FileName: fileName(path), FolderPath: path, SHA1: h.sha1.toLowerCase(), MD5: h.md5.toLowerCase(), FileSize: f.size,
      ...this.initiating(proc), RequestProtocol: 'Local', InitiatingProcessSessionId: proc.session, IsInitiatingProcessRemoteSession: false,
    });
  }

  // ---- modules -----------------------------------------------------------------------------

  /** A module loaded by `proc`: Sysmon 7 (with its signature) and a DeviceImageLoadEvents row. */
  imageLoad(t: number, proc: Proc, dll: FileMeta): void {
    const h = hashesOf(dll);
    this.sysmon(t, proc.host, 7, [
      ['RuleName', '-'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', proc.guid], ['ProcessId', proc.pid], ['Image', proc.file.path], ['ImageLoaded', dll.path],
      ['FileVersion', dll.fileVersion], ['Description', dll.description], ['Product', dll.product], ['Company', dll.company], ['OriginalFileName', dll.originalFileName],
      ['Hashes', `SHA1=${h.sha1},MD5=${h.md5},SHA256=${h.sha256},IMPHASH=${h.imphash}`],
      ['Signed', dll.signer ? 'true' : 'false'], ['Signature', dll.signer ?? '-'], ['SignatureStatus', dll.signer ? 'Valid' : 'Unavailable'], ['User', userName(proc.user)],
    ]);
    this.defender(t, proc.host, 'DeviceImageLoadEvents', {
      ActionType: 'ImageLoaded', FileName: fileName(dll.path), FolderPath: dll.path, SHA1: h.sha1.toLowerCase(), SHA256: '', MD5: h.md5.toLowerCase(), FileSize: dll.size,
      ...this.initiating(proc),
    });
  }

  // ---- registry ----------------------------------------------------------------------------

  /** A registry value set (key written in full, HKEY_LOCAL_MACHINE\…): Sysmon 13 and RegistryValueSet. */
  registrySet(t: number, proc: Proc, key: string, valueName: string, type: 'String' | 'Dword', data: string | number, previous?: string | number): void {
    const details = type === 'Dword' ? `DWORD (0x${Number(data).toString(16).padStart(8, '0')})` : String(data);
    this.sysmon(t, proc.host, 13, [
      ['RuleName', '-'], ['EventType', 'SetValue'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', proc.guid], ['ProcessId', proc.pid], ['Image', proc.file.path],
      ['TargetObject', `${sysmonHive(key)}\\${valueName}`], ['Details', details], ['User', userName(proc.user)],
    ]);
    this.defender(t, proc.host, 'DeviceRegistryEvents', {
      ActionType: 'RegistryValueSet', RegistryKey: key, RegistryValueType: type, RegistryValueName: valueName, RegistryValueData: String(data),
      PreviousRegistryKey: previous === undefined ? '' : key, PreviousRegistryValueName: previous === undefined ? '' : valueName, PreviousRegistryValueData: previous === undefined ? '' : String(previous),
      ...this.initiating(proc), InitiatingProcessSessionId: proc.session, IsInitiatingProcessRemoteSession: false,
    });
  }

  /** A registry key deleted: Sysmon 12 (DeleteKey) and RegistryKeyDeleted. */
  registryDeleteKey(t: number, proc: Proc, key: string): void {
    this.sysmon(t, proc.host, 12, [
      ['RuleName', '-'], ['EventType', 'DeleteKey'], ['UtcTime', sysmonTime(t)], ['ProcessGuid', proc.guid], ['ProcessId', proc.pid], ['Image', proc.file.path],
      ['TargetObject', sysmonHive(key)], ['User', userName(proc.user)],
    ]);
    this.defender(t, proc.host, 'DeviceRegistryEvents', {
      ActionType: 'RegistryKeyDeleted', RegistryKey: key, ...this.initiating(proc), InitiatingProcessSessionId: proc.session, IsInitiatingProcessRemoteSession: false,
    });
  }

  // ---- services, logons ---------------------------------------------------------------------

  /** System 7036: the service entered the running or stopped state. */
  service(t: number, host: Host, serviceName: string, state: 'running' | 'stopped'): void {
    const display = SERVICES[serviceName] ?? serviceName;
    const binary = Buffer.from(`${serviceName}/${state === 'running' ? 4 : 1}\0`, 'utf16le').toString('hex').toUpperCase();
    this.win(t, host, CH.system, SCM, 7036, { named: [['param1', display], ['param2', state]] }, {
      qualifiers: 16384, version: 0, level: 4, task: 0, opcode: 0, keywords: '0x8080000000000000', execution: { pid: 700, tid: this.rng.int(100, 3000) * 4 }, binary,
    });
  }

  /** Security 4624: an account logged on. */
  logon(t: number, host: Host, user: Account, type: 2 | 3 | 4 | 5 | 10, opts: { from?: Host; logonId?: string; process?: string } = {}): string {
    const id = opts.logonId ?? this.logonId(host, user, type === 3);
    const network = type === 3 || type === 10;
    this.win(t, host, CH.security, SECURITY, 4624, { named: [
      ['SubjectUserSid', network ? 'S-1-0-0' : 'S-1-5-18'], ['SubjectUserName', network ? '-' : `${host.name}$`], ['SubjectDomainName', network ? '-' : 'CORP'], ['SubjectLogonId', network ? '0x0' : '0x3e7'],
      ['TargetUserSid', user.sid], ['TargetUserName', user.name], ['TargetDomainName', user.logonId ? user.domain : 'CORP'], ['TargetLogonId', id],
      ['LogonType', type], ['LogonProcessName', type === 3 ? 'Kerberos' : type === 4 || type === 5 ? 'Advapi  ' : 'User32 '], ['AuthenticationPackageName', type === 3 ? 'Kerberos' : 'Negotiate'],
      ['WorkstationName', opts.from ? opts.from.name : type === 4 || type === 5 ? '-' : host.name], ['LogonGuid', type === 3 ? `{${this.rng.guid()}}` : '{00000000-0000-0000-0000-000000000000}'],
      ['TransmittedServices', '-'], ['LmPackageName', '-'], ['KeyLength', 0],
      ['ProcessId', type === 3 ? '0x0' : hex(type === 5 ? 700 : host.lsassPid)], ['ProcessName', type === 3 ? '-' : type === 5 ? FILES.services.path : type === 4 ? FILES.svchost.path : 'C:\\Windows\\System32\\winlogon.exe'],
      ['IpAddress', opts.from ? opts.from.ip : '-'], ['IpPort', opts.from ? String(this.rng.int(49152, 65535)) : '-'],
      ['ImpersonationLevel', '%%1833'], ['RestrictedAdminMode', type === 10 ? '%%1843' : '-'], ['TargetOutboundUserName', '-'], ['TargetOutboundDomainName', '-'],
      ['VirtualAccount', '%%1843'], ['TargetLinkedLogonId', '0x0'], ['ElevatedToken', user.logonId || type !== 2 ? '%%1842' : '%%1843'],
    ] }, { version: 2, level: 0, task: 12544, opcode: 0, keywords: '0x8020000000000000', execution: { pid: host.lsassPid, tid: this.rng.int(20, 3000) * 4 } });
    return id;
  }

  // ---- PowerShell ----------------------------------------------------------------------------

  /** PowerShell 4104: a script block was compiled (script block logging). */
  scriptBlock(t: number, proc: Proc, text: string, path = ''): void {
    this.win(t, proc.host, CH.powershell, POWERSHELL, 4104, { named: [
      ['MessageNumber', 1], ['MessageTotal', 1], ['ScriptBlockText', text], ['ScriptBlockId', this.rng.guid()], ['Path', path],
    ] }, { version: 1, level: 5, task: 2, opcode: 15, keywords: '0x0', execution: { pid: proc.pid, tid: this.rng.int(500, 3000) * 4 }, userSid: proc.user.sid, activityId: `{${this.rng.guid().toUpperCase()}}` });
  }

  /** PowerShell 4103: a pipeline ran a command (module logging), with its parameter bindings. */
  pipeline(t: number, proc: Proc, cmd: { name: string; type?: 'Cmdlet' | 'Function'; params: [string, string][]; host: 'ConsoleHost' | 'ServerRemoteHost'; runspace: string; hostId: string; pipelineId: number; sequence: number; script?: string }): void {
    const u = userName(proc.user);
    const ctx = [
      ['Severity', 'Informational'], ['Host Name', cmd.host], ['Host Version', cmd.host === 'ConsoleHost' ? '5.1.17763.6414' : '1.0.0.0'], ['Host ID', cmd.hostId],
      ['Host Application', cmd.host === 'ConsoleHost' ? proc.cmd : `${proc.file.path} -Embedding`], ['Engine Version', '5.1.17763.6414'], ['Runspace ID', cmd.runspace],
      ['Pipeline ID', String(cmd.pipelineId)], ['Command Name', cmd.name], ['Command Type', cmd.type ?? 'Cmdlet'], ['Script Name', cmd.script ?? ''], ['Command Path', ''],
      ['Sequence Number', String(cmd.sequence)], ['User', u], ['Connected User', cmd.host === 'ServerRemoteHost' ? u : ''], ['Shell ID', 'Microsoft.PowerShell'],
    ].map(([k, v]) => `        ${k} = ${v}`).join('\r\n') + '\r\n';
    const payload = [`CommandInvocation(${cmd.name}): "${cmd.name}"`, ...cmd.params.map(([k, v]) => `ParameterBinding(${cmd.name}): name="${k}"; value="${v}"`)].join('\r\n') + '\r\n';
    this.win(t, proc.host, CH.powershell, POWERSHELL, 4103, { named: [['ContextInfo', ctx], ['UserData', ''], ['Payload', payload]] },
      { version: 1, level: 4, task: 106, opcode: 20, keywords: '0x0', execution: { pid: proc.pid, tid: this.rng.int(500, 3000) * 4 }, userSid: proc.user.sid, activityId: `{${this.rng.guid().toUpperCase()}}` });
  }

  // ---- Exchange ------------------------------------------------------------------------------

  /** MSExchange Management 1 (succeeded), 3 (succeeded, local snap-in, medium level) or 6 (failed), with the 27 insertion strings of DOMAIN §4.1. */
  cmdletLog(t: number, host: Host, id: 1 | 3 | 6, s: CmdletLogFields): void {
    this.win(t, host, CH.exchangeManagement, { name: 'MSExchange CmdletLogs' }, id, { unnamed: cmdletStrings(s) }, {
      qualifiers: id === 6 ? 49152 : 16388, version: 0, level: id === 6 ? 2 : 4, task: 1, opcode: 0, keywords: '0x80000000000000', execution: { pid: 0, tid: 0 },
    });
  }

  /**
   * An Application-log event of a classic Exchange source (MSExchange Extensibility 1050–1057,
   * MSExchangeTransport 16023 and 7001), with its insertion strings.
   */
  appEvent(t: number, host: Host, e: { source: string; id: number; level: 2 | 3 | 4; task: number; strings: string[] }): void {
    this.win(t, host, CH.application, { name: e.source }, e.id, { unnamed: e.strings }, {
      qualifiers: e.level === 2 ? 49152 : e.level === 3 ? 32768 : 16384, version: 0, level: e.level, task: e.task, opcode: 0, keywords: '0x80000000000000', execution: { pid: 0, tid: 0 },
    });
  }

  /**
   * MSExchange Extensibility 1050–1057 (DOMAIN §4.2). The IDs and meanings are from the decompiled
   * event-log constants; the order of the insertion strings (agent, event or factory, detail,
   * message id / error) is our model, not verified against a live server.
   */
  extensibility(t: number, host: Host, id: ExtensibilityEventId, strings: string[]): void {
    this.appEvent(t, host, { source: 'MSExchange Extensibility', id, level: EXTENSIBILITY_LEVEL[id], task: 1, strings });
  }

  /** MSExchangeTransport 16023 (cannot start agents) or 7001 (the service will be stopped), with the reason. */
  transportFailure(t: number, host: Host, id: 16023 | 7001, reason: string): void {
    this.appEvent(t, host, { source: 'MSExchangeTransport', id, level: 2, task: id === 7001 ? 7 : 1, strings: [reason] });
  }

  // ---- end -----------------------------------------------------------------------------------

  /**
   * Sorts the records by time (then creation order), names them e000001… and numbers them as the
   * sensors would: EventRecordID per host and channel, ReportId per device.
   */
  finish(recordBase: (host: Host, channel: string) => number, keep: (r: ScenarioRecord) => boolean = () => true): ScenarioRecord[] {
    const all = this.records.filter(keep).sort((a, b) => a.time - b.time || a.seq - b.seq);
    const next = new Map<string, number>();
    all.forEach((r, i) => {
      r.id = `e${String(i + 1).padStart(6, '0')}`;
      if (r.kind === 'windows') {
        const k = `${r.host.name}|${r.channel}`;
        const n = next.get(k) ?? recordBase(r.host, r.channel);
        r.recordId = n;
        next.set(k, n + 1);
      } else {
        const k = `${r.host.name}|defender`;
        const n = next.get(k) ?? recordBase(r.host, 'defender');
        r.row['ReportId'] = n;
        next.set(k, n + this.rng.int(1, 40));
      }
    });
    return all;
  }
}

/**
 * 1050 agent took too long, 1051 agent fault, 1052 factory creation failure, 1053 agent instance
 * creation failure, 1054 version mismatch, 1055 factory startup delay, 1056 agent completed twice,
 * 1057 agent did not call resume. Warning (3) or error (2) as DOMAIN §4.2 gives them; 1053, 1054,
 * 1056 and 1057 are not given there: errors for creation and version failures, warnings otherwise.
 */
export type ExtensibilityEventId = 1050 | 1051 | 1052 | 1053 | 1054 | 1055 | 1056 | 1057;
const EXTENSIBILITY_LEVEL: Record<ExtensibilityEventId, 2 | 3> = { 1050: 3, 1051: 3, 1052: 2, 1053: 2, 1054: 2, 1055: 3, 1056: 3, 1057: 3 };

function defaultCell(column: string): CellValue {
  if (column === 'IsAzureInfoProtectionApplied' || column === 'IsInitiatingProcessRemoteSession') return false;
  return '';
}

export function sysmonHive(key: string): string {
  return key.replace(/^HKEY_LOCAL_MACHINE\\/i, 'HKLM\\').replace(/^HKEY_USERS\\/i, 'HKU\\').replace(/^HKEY_CURRENT_USER\\/i, 'HKCU\\');
}

export interface CmdletLogFields {
  cmdlet: string;
  params: string;
  /** the caller's canonical name (corp.example/Admins/j.keller) */
  caller: string;
  sid: string;
  /** Remote-ManagementShell-Unknown (EMS through w3wp), Local-PowerShell-Unknown (snap-in) */
  application: string;
  /** "PID ProcessName" of the hosting process: 8372 w3wp#MSExchangePowerShellAppPool */
  hostProcess: string;
  thread: number;
  elapsedMs: number;
  dc: string;
  error?: { text: string; category: number; id?: string };
  outputCount?: number;
  activityId: string;
}

/** The 27 insertion strings of an MSExchange Management event, in order (DOMAIN §4.1). */
export function cmdletStrings(s: CmdletLogFields): string[] {
  const ms = Math.max(0, Math.round(s.elapsedMs));
  const elapsed = `00:${String(Math.floor(ms / 60000)).padStart(2, '0')}:${String(Math.floor(ms / 1000) % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}0000`;
  const strings = [
    s.cmdlet, s.params, s.caller, s.sid, s.sid, s.application, s.hostProcess, '', String(s.thread), elapsed,
    `View Entire Forest: 'False', Default Scope: corp.example, Configuration Domain Controller: '${s.dc}', Preferred Global Catalog: '${s.dc}', Preferred Domain Controllers: '{ ${s.dc} }'`,
    s.error ? s.error.text : '', s.error ? String(s.error.category) : '', '', s.error ? (s.error.id ?? 'NonLocalizedException') : '', '', '', 'False', '',
    '0 objects execution has been proxied to remote server.', '', '', String(s.outputCount ?? 0), `ActivityId: ${s.activityId}`, 'ServicePlan:;IsAdmin:True;', '', 'en-US',
  ];
  if (strings.length !== 27) throw new Error(`internal: ${strings.length} cmdlet log strings`);
  return strings;
}
