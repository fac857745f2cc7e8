// The records a scenario produces, before they are written in any format: Windows events (one
// channel each) and Microsoft Defender for Endpoint advanced hunting rows (one table each).
import type { Host } from './org.js';

/** Which part of a scenario a record belongs to: an intrusion stage, context of the intrusion, or neither (background). */
export interface Tag { stage?: string; context?: string }

export type DataValue = string | number;

export interface WinEvent {
  kind: 'windows';
  /** e000001…, in time order, assigned when the scenario is finished */
  id: string;
  seq: number;
  /** epoch milliseconds, UTC */
  time: number;
  host: Host;
  channel: string;
  provider: { name: string; guid?: string; eventSourceName?: string };
  eventId: number;
  /** classic (non-manifest) events carry Qualifiers on EventID */
  qualifiers?: number;
  version: number;
  level: number;
  task: number;
  opcode: number;
  keywords: string;
  execution: { pid: number; tid: number } | null;
  userSid: string | null;
  activityId?: string;
  /** named Data items (manifest events) or unnamed ones (classic events such as MSExchange Management) */
  data: { named: [string, DataValue][] } | { unnamed: string[] };
  /** the <Binary> element of classic events (System 7036), hex */
  binary?: string;
  /** EventRecordID, per host and channel, assigned when the scenario is finished */
  recordId: number;
  tag: Tag;
}

export const DEFENDER_TABLES = ['DeviceProcessEvents', 'DeviceFileEvents', 'DeviceImageLoadEvents', 'DeviceRegistryEvents'] as const;
export type DefenderTable = (typeof DEFENDER_TABLES)[number];

export type CellValue = string | number | boolean | null;

export interface DefenderRow {
  kind: 'defender';
  id: string;
  seq: number;
  time: number;
  host: Host;
  table: DefenderTable;
  /** every column of the table (DEFENDER_COLUMNS), ReportId assigned when the scenario is finished */
  row: Record<string, CellValue>;
  tag: Tag;
}

export type ScenarioRecord = WinEvent | DefenderRow;

/** Short name of a record's source, for manifests and messages: 'Sysmon 1', 'Security 4688', 'DeviceFileEvents'. */
export function sourceLabel(r: ScenarioRecord): string {
  if (r.kind === 'defender') return r.table;
  const short: Record<string, string> = {
    'Microsoft-Windows-Sysmon/Operational': 'Sysmon',
    'Microsoft-Windows-PowerShell/Operational': 'PowerShell',
  };
  return `${short[r.channel] ?? r.channel} ${r.eventId}`;
}

const COMMON_HEAD = ['Timestamp', 'DeviceId', 'DeviceName', 'ActionType'];
const INITIATING = [
  'InitiatingProcessAccountDomain', 'InitiatingProcessAccountName', 'InitiatingProcessAccountSid', 'InitiatingProcessAccountUpn', 'InitiatingProcessAccountObjectId',
  'InitiatingProcessMD5', 'InitiatingProcessSHA1', 'InitiatingProcessSHA256', 'InitiatingProcessFolderPath', 'InitiatingProcessFileName', 'InitiatingProcessFileSize',
  'InitiatingProcessVersionInfoCompanyName', 'InitiatingProcessVersionInfoProductName', 'InitiatingProcessVersionInfoProductVersion', 'InitiatingProcessVersionInfoInternalFileName',
  'InitiatingProcessVersionInfoOriginalFileName', 'InitiatingProcessVersionInfoFileDescription', 'InitiatingProcessId', 'InitiatingProcessCommandLine', 'InitiatingProcessCreationTime',
  'InitiatingProcessIntegrityLevel', 'InitiatingProcessTokenElevation', 'InitiatingProcessParentId', 'InitiatingProcessParentFileName', 'InitiatingProcessParentCreationTime',
];
const COMMON_TAIL = ['ReportId', 'AppGuardContainerId'];

/** The columns of each table, in the order the exports write them (DOMAIN §4.6). */
export const DEFENDER_COLUMNS: Record<DefenderTable, string[]> = {
  DeviceProcessEvents: [
    ...COMMON_HEAD, 'FileName', 'FolderPath', 'SHA1', 'SHA256', 'MD5', 'FileSize',
    'ProcessVersionInfoCompanyName', 'ProcessVersionInfoProductName', 'ProcessVersionInfoProductVersion', 'ProcessVersionInfoInternalFileName',
    'ProcessVersionInfoOriginalFileName', 'ProcessVersionInfoFileDescription', 'ProcessId', 'ProcessCommandLine', 'ProcessIntegrityLevel',
    'ProcessTokenElevation', 'ProcessCreationTime', 'AccountDomain', 'AccountName', 'AccountSid', 'AccountUpn', 'AccountObjectId', 'LogonId',
    ...INITIATING, 'InitiatingProcessLogonId', 'InitiatingProcessSignerType', 'InitiatingProcessSignatureStatus', ...COMMON_TAIL, 'AdditionalFields',
  ],
  DeviceFileEvents: [
    ...COMMON_HEAD, 'FileName', 'FolderPath', 'SHA1', 'SHA256', 'MD5', 'FileOriginUrl', 'FileOriginReferrerUrl', 'FileOriginIP',
    'PreviousFolderPath', 'PreviousFileName', 'FileSize', ...INITIATING, 'RequestProtocol', 'RequestSourceIP', 'RequestSourcePort',
    'RequestAccountName', 'RequestAccountDomain', 'RequestAccountSid', 'ShareName', 'SensitivityLabel', 'SensitivitySubLabel',
    'IsAzureInfoProtectionApplied', ...COMMON_TAIL, 'AdditionalFields', 'InitiatingProcessSessionId', 'IsInitiatingProcessRemoteSession',
    'InitiatingProcessRemoteSessionDeviceName', 'InitiatingProcessRemoteSessionIP',
  ],
  DeviceImageLoadEvents: [
    ...COMMON_HEAD, 'FileName', 'FolderPath', 'SHA1', 'SHA256', 'MD5', 'FileSize', ...INITIATING, ...COMMON_TAIL,
  ],
  DeviceRegistryEvents: [
    ...COMMON_HEAD, 'RegistryKey', 'RegistryValueType', 'RegistryValueName', 'RegistryValueData', 'PreviousRegistryKey',
    'PreviousRegistryValueName', 'PreviousRegistryValueData', ...INITIATING, ...COMMON_TAIL, 'InitiatingProcessSessionId',
    'IsInitiatingProcessRemoteSession', 'InitiatingProcessRemoteSessionDeviceName', 'InitiatingProcessRemoteSessionIP',
  ],
};
