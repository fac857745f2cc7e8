// The modelled organisation: one Exchange 2019 organisation (two Mailbox servers, one admin
// workstation), its accounts, the Exchange install tree and the metadata of the programs and
// modules that appear in the scenarios. Names and values are ours (example.* domains, made-up SIDs
// and device ids); paths, program names and version strings follow DOMAIN-exchange-transport-agents.md.
import { createHash } from 'node:crypto';

export const DOMAIN_FQDN = 'corp.example';
export const NETBIOS = 'CORP';
export const DOMAIN_SID = 'S-1-5-21-1004336348-1177238915-682003330';

/** The Exchange install root (MsiInstallPath, with its trailing backslash). */
export const EXCHANGE_ROOT = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\';
export const EX = EXCHANGE_ROOT.slice(0, -1);
export const EX_BIN = `${EX}\\Bin`;
export const AGENTS_CONFIG = `${EX}\\TransportRoles\\Shared\\agents.config`;
/** When Exchange setup created each server's agents.config (the creation time its rewrites keep). */
export const AGENTS_CONFIG_CREATED: Record<string, number> = {
  EXCH01: Date.UTC(2025, 2, 14, 16, 22, 41, 318),
  EXCH02: Date.UTC(2025, 2, 17, 11, 5, 12, 904),
};
export const PICKUP = `${EX}\\TransportRoles\\Pickup`;
export const NETWORK_SERVICE_PROFILE = 'C:\\Windows\\ServiceProfiles\\NetworkService';
export const SYS32 = 'C:\\Windows\\System32';
export const POWERSHELL = `${SYS32}\\WindowsPowerShell\\v1.0\\powershell.exe`;

export type HostRole = 'Mailbox' | 'Workstation';

export interface Host {
  /** NetBIOS name, upper case (EXCH01) */
  name: string;
  /** Computer as the event logs write it (EXCH01.corp.example) */
  fqdn: string;
  role: HostRole;
  ip: string;
  /** Defender for Endpoint device id */
  deviceId: string;
  /** Sysmon service process id (Execution ProcessID of Sysmon events) */
  sysmonPid: number;
  lsassPid: number;
  /** Exchange build, for Mailbox servers */
  exchangeBuild?: string;
}

export interface Account {
  domain: string;
  name: string;
  sid: string;
  /** the well-known logon id of service accounts ('0x3e7'), or null for people (one per logon) */
  logonId: string | null;
  upn?: string;
}

const person = (name: string, rid: number): Account => ({ domain: NETBIOS, name, sid: `${DOMAIN_SID}-${rid}`, logonId: null, upn: `${name}@${DOMAIN_FQDN}` });

export const ACCOUNTS = {
  system: { domain: 'NT AUTHORITY', name: 'SYSTEM', sid: 'S-1-5-18', logonId: '0x3e7' },
  localService: { domain: 'NT AUTHORITY', name: 'LOCAL SERVICE', sid: 'S-1-5-19', logonId: '0x3e5' },
  networkService: { domain: 'NT AUTHORITY', name: 'NETWORK SERVICE', sid: 'S-1-5-20', logonId: '0x3e4' },
  /** Exchange administrators */
  jkeller: person('j.keller', 1107),
  mortiz: person('m.ortiz', 1112),
  /** the administrator account the LightNeuron operator impersonates (as CTID's nk\ZilvinasAdmin) */
  avogel: person('a.vogel-adm', 1120),
  /** the purple-team operator who runs the Atomic Red Team test */
  phale: person('p.hale-adm', 1201),
  /** an ordinary user of the admin workstation */
  lbauer: person('l.bauer', 1143),
  /** the account of the queue-report scheduled task */
  svcReport: person('svc-mailreport', 1188),
} satisfies Record<string, Account>;

export const userName = (a: Account): string => `${a.domain}\\${a.name}`;

export interface Organisation {
  exch01: Host;
  exch02: Host;
  adm01: Host;
}

export function makeOrganisation(deviceIds: [string, string, string]): Organisation {
  return {
    exch01: { name: 'EXCH01', fqdn: `EXCH01.${DOMAIN_FQDN}`, role: 'Mailbox', ip: '10.20.1.11', deviceId: deviceIds[0], sysmonPid: 2816, lsassPid: 692, exchangeBuild: '15.2.1544.4' },
    exch02: { name: 'EXCH02', fqdn: `EXCH02.${DOMAIN_FQDN}`, role: 'Mailbox', ip: '10.20.1.12', deviceId: deviceIds[1], sysmonPid: 2744, lsassPid: 688, exchangeBuild: '15.2.1544.4' },
    adm01: { name: 'ADM01', fqdn: `ADM01.${DOMAIN_FQDN}`, role: 'Workstation', ip: '10.20.8.41', deviceId: deviceIds[2], sysmonPid: 3120, lsassPid: 804 },
  };
}

/** Version-resource and signature facts of a program or module. */
export interface FileMeta {
  path: string;
  fileVersion: string;
  description: string;
  product: string;
  company: string;
  originalFileName: string;
  /** Authenticode signer, or null when unsigned */
  signer: string | null;
  size: number;
  /** fixed hashes (published indicators); otherwise derived from the path and version */
  sha256?: string;
}

export interface Hashes { sha1: string; md5: string; sha256: string; imphash: string }

/** Stable, made-up hashes of a file: the same file (path and version) always has the same hashes. */
export function hashesOf(f: FileMeta): Hashes {
  const key = `${f.path.toLowerCase()}|${f.fileVersion}|${f.size}`;
  const h = (alg: string, salt: string) => createHash(alg).update(salt + key).digest('hex').toUpperCase();
  return { sha1: h('sha1', 'sha1:'), md5: h('md5', 'md5:'), sha256: f.sha256?.toUpperCase() ?? h('sha256', 'sha256:'), imphash: h('md5', 'imphash:') };
}

const WIN_VER = '10.0.17763.1 (WinBuild.160101.0800)';
const WIN_PRODUCT = 'Microsoft® Windows® Operating System';
const MS = 'Microsoft Corporation';
const win = (path: string, description: string, originalFileName: string, size: number, fileVersion = WIN_VER): FileMeta =>
  ({ path, fileVersion, description, product: WIN_PRODUCT, company: MS, originalFileName, signer: MS, size });
const EXV = '15.02.1544.004';
const exch = (path: string, description: string, originalFileName: string, size: number, fileVersion = EXV): FileMeta =>
  ({ path, fileVersion, description, product: 'Microsoft® Exchange', company: MS, originalFileName, signer: MS, size });

export const FILES = {
  system: { path: 'System', fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: MS, size: 0 },
  cmd: win(`${SYS32}\\cmd.exe`, 'Windows Command Processor', 'Cmd.Exe', 278528),
  conhost: win(`${SYS32}\\conhost.exe`, 'Console Window Host', 'CONHOST.EXE', 867840),
  powershell: win(POWERSHELL, 'Windows PowerShell', 'PowerShell.EXE', 448000),
  wmic: win(`${SYS32}\\wbem\\WMIC.exe`, 'WMI Commandline Utility', 'wmic.exe', 512000),
  wmiprvse: win(`${SYS32}\\wbem\\WmiPrvSE.exe`, 'WMI Provider Host', 'Wmiprvse.exe', 495616),
  wsmprovhost: win(`${SYS32}\\wsmprovhost.exe`, 'Host process for WinRM plug-ins', 'wsmprovhost.exe', 37888),
  svchost: win(`${SYS32}\\svchost.exe`, 'Host Process for Windows Services', 'svchost.exe', 51728),
  services: win(`${SYS32}\\services.exe`, 'Services and Controller app', 'services.exe', 697344),
  ipconfig: win(`${SYS32}\\ipconfig.exe`, 'IP Configuration Utility', 'ipconfig.exe', 36864),
  msiexec: win(`${SYS32}\\msiexec.exe`, 'Windows® installer', 'msiexec.exe', 66560, '5.0.17763.1 (WinBuild.160101.0800)'),
  taskhostw: win(`${SYS32}\\taskhostw.exe`, 'Host Process for Windows Tasks', 'taskhostw.exe', 83968),
  explorer: win('C:\\Windows\\explorer.exe', 'Windows Explorer', 'EXPLORER.EXE', 4388064),
  notepad: win(`${SYS32}\\notepad.exe`, 'Notepad', 'NOTEPAD.EXE', 254464),
  mmc: win(`${SYS32}\\mmc.exe`, 'Microsoft Management Console', 'MMC.EXE', 1867776),
  rdpclip: win(`${SYS32}\\rdpclip.exe`, 'RDP Clipboard Monitor', 'rdpclip.exe', 406016),
  w3wp: win(`${SYS32}\\inetsrv\\w3wp.exe`, 'IIS Worker Process', 'w3wp.exe', 29472, '10.0.17763.1 (WinBuild.160101.0800)'),
  mpcmdrun: { ...win('C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe', 'Microsoft Malware Protection Command Line Utility', 'MpCmdRun.exe', 1501512, '4.18.24090.11 (WinBuild.160101.0800)') },
  msmpeng: { ...win('C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe', 'Antimalware Service Executable', 'MsMpEng.exe', 133576, '4.18.24090.11 (WinBuild.160101.0800)') },
  firefox: { path: 'C:\\Program Files\\Mozilla Firefox\\firefox.exe', fileVersion: '132.0.1', description: 'Firefox', product: 'Firefox', company: 'Mozilla Corporation', originalFileName: 'firefox.exe', signer: 'Mozilla Corporation', size: 683584 },
  // Exchange
  msExchangeTransport: exch(`${EX_BIN}\\MSExchangeTransport.exe`, 'Microsoft Exchange Transport Service', 'MSExchangeTransport.exe', 25488),
  edgeTransport: exch(`${EX_BIN}\\EdgeTransport.exe`, 'Microsoft Exchange EdgeTransport', 'EdgeTransport.exe', 49520),
  contentFilterWrapper: exch(`${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.ContentFilter.Wrapper.exe`, 'Microsoft Exchange Content Filter Wrapper', 'Microsoft.Exchange.ContentFilter.Wrapper.exe', 193424),
  hmHost: exch(`${EX_BIN}\\MSExchangeHMHost.exe`, 'Microsoft Exchange Health Manager Host', 'MSExchangeHMHost.exe', 28560),
  hmWorker: exch(`${EX_BIN}\\MSExchangeHMWorker.exe`, 'Microsoft Exchange Health Manager Worker', 'MSExchangeHMWorker.exe', 37776),
  noderunner: exch(`${EX_BIN}\\Search\\Ceres\\Runtime\\1.0\\noderunner.exe`, 'Microsoft Search NodeRunner', 'NodeRunner.exe', 25344),
  searchHost: exch(`${EX_BIN}\\Search\\Ceres\\HostController\\hostcontrollerservice.exe`, 'Microsoft Search Host Controller', 'HostControllerService.exe', 46848),
  diagService: exch(`${EX_BIN}\\Microsoft.Exchange.Diagnostics.Service.exe`, 'Microsoft Exchange Diagnostics Service', 'Microsoft.Exchange.Diagnostics.Service.exe', 148240),
  logman: win(`${SYS32}\\logman.exe`, 'Performance Log Utility', 'logman.exe', 105472),
  setupLauncher: exch('E:\\Setup.exe', 'Microsoft Exchange Server Setup', 'Setup.exe', 30720, '15.02.1748.010'),
  exSetup: exch('C:\\Windows\\Temp\\ExchangeSetup\\ExSetup.exe', 'Microsoft Exchange Server Setup', 'ExSetup.exe', 35600, '15.02.1748.010'),
  // Exchange DkimSigner (open-source vendor agent; no Authenticode signature found for its builds: modelled unsigned)
  dkimConfig: { path: 'C:\\Users\\j.keller\\Downloads\\DkimSigner\\Configuration.DkimSigner.exe', fileVersion: '3.4.2.0', description: 'Configuration.DkimSigner', product: 'Exchange DkimSigner', company: 'Exchange DkimSigner', originalFileName: 'Configuration.DkimSigner.exe', signer: null, size: 1088512 },
  dkimConfigInstalled: { path: 'C:\\Program Files\\Exchange DkimSigner\\Configuration.DkimSigner.exe', fileVersion: '3.4.2.0', description: 'Configuration.DkimSigner', product: 'Exchange DkimSigner', company: 'Exchange DkimSigner', originalFileName: 'Configuration.DkimSigner.exe', signer: null, size: 1088512 },
  queueReportScript: { path: 'C:\\Scripts\\Send-QueueReport.ps1', fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: null, size: 4120 },
} satisfies Record<string, FileMeta>;

/** Modules (DLLs) loaded by the programs above. */
export const DLLS = {
  // Microsoft transport agents (agents.config defaults on a 2019 Mailbox server, plus the anti-spam agents)
  ruleAgent: exch(`${EX}\\TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll`, 'Microsoft.Exchange.MessagingPolicies.TransportRuleAgent', 'Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll', 310160),
  malwareAgent: exch(`${EX}\\TransportRoles\\agents\\Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll`, 'Microsoft.Exchange.Transport.Agent.Malware', 'Microsoft.Exchange.Transport.Agent.Malware.dll', 133520),
  mobileDriver: exch(`${EX_BIN}\\Microsoft.Exchange.MobileDriver.dll`, 'Microsoft.Exchange.MobileDriver', 'Microsoft.Exchange.MobileDriver.dll', 404368),
  systemProbeDrop: exch(`${EX}\\TransportRoles\\agents\\SystemProbeDrop\\Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll`, 'Microsoft.Exchange.Transport.Agent.SystemProbeDrop', 'Microsoft.Exchange.Transport.Agent.SystemProbeDrop.dll', 27024),
  hygiene: exch(`${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.Hygiene.dll`, 'Microsoft.Exchange.Transport.Agent.Hygiene', 'Microsoft.Exchange.Transport.Agent.Hygiene.dll', 557456),
  dataTransport: exch(`${EX}\\Public\\Microsoft.Exchange.Data.Transport.dll`, 'Microsoft.Exchange.Data.Transport', 'Microsoft.Exchange.Data.Transport.dll', 1079184),
  securityInterop: exch(`${EX_BIN}\\Microsoft.Exchange.Security.Interop.dll`, 'Microsoft.Exchange.Security.Interop', 'Microsoft.Exchange.Security.Interop.dll', 58768),
  // vendor agent
  dkimSigner: { path: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', fileVersion: '3.4.2.0', description: 'ExchangeDkimSigner', product: 'Exchange DkimSigner', company: 'Exchange DkimSigner', originalFileName: 'ExchangeDkimSigner.dll', signer: null, size: 33280 },
  dkimSignerUpdated: { path: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', fileVersion: '3.4.3.0', description: 'ExchangeDkimSigner', product: 'Exchange DkimSigner', company: 'Exchange DkimSigner', originalFileName: 'ExchangeDkimSigner.dll', signer: null, size: 33792 },
  // LightNeuron (CTID emulation): the look-alike agent and the native companion DLL (SHA-256 from CTID's YARA rules)
  lnAgent: { path: `${EX}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`, fileVersion: '1.0.0.0', description: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering', product: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering', company: '-', originalFileName: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll', signer: null, size: 16384, sha256: '38c53b411dde5b09e600c47267fe7297342bf687b5eb8a020a270d015fc4e6c3' },
  lnCompanion: { path: `${EX_BIN}\\exdbdata.dll`, fileVersion: '-', description: '-', product: '-', company: '-', originalFileName: '-', signer: null, size: 301568, sha256: 'b8af645791bb2f6a8d72ec87396caebb2a38874701fa4c2a1ac96f92f6037161' },
} satisfies Record<string, FileMeta>;

/** Windows service display names (System 7036 param1) by service name. */
export const SERVICES: Record<string, string> = {
  MSExchangeTransport: 'Microsoft Exchange Transport',
  MSExchangeFrontEndTransport: 'Microsoft Exchange Frontend Transport',
  MSExchangeDelivery: 'Microsoft Exchange Mailbox Transport Delivery',
  MSExchangeSubmission: 'Microsoft Exchange Mailbox Transport Submission',
  MSExchangeIS: 'Microsoft Exchange Information Store',
  MSExchangeADTopology: 'Microsoft Exchange Active Directory Topology',
  MSExchangeHM: 'Microsoft Exchange Health Manager',
  MSExchangeRepl: 'Microsoft Exchange Replication',
  MSExchangeServiceHost: 'Microsoft Exchange Service Host',
  MSExchangeDiagnostics: 'Microsoft Exchange Diagnostics',
  W3SVC: 'World Wide Web Publishing Service',
  WinRM: 'Windows Remote Management (WS-Management)',
  wuauserv: 'Windows Update',
  TrustedInstaller: 'Windows Modules Installer',
  BITS: 'Background Intelligent Transfer Service',
  msiserver: 'Windows Installer',
  WinDefend: 'Microsoft Defender Antivirus Service',
  'WdNisSvc': 'Microsoft Defender Antivirus Network Inspection Service',
  'sppsvc': 'Software Protection',
};
