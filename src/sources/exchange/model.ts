// What the Exchange readers produce: transport agent registrations as the server holds them
// (agents.config / fetagents.config) or as the cmdlets report them (Get-TransportAgent), and the
// transport pipeline listing (Get-TransportPipeline).

/** The `-TransportService` values of the agent cmdlets. */
export type TransportService = 'Hub' | 'Edge' | 'FrontEnd' | 'MailboxSubmission' | 'MailboxDelivery';

export type RegistrySource = 'agents.config' | 'fetagents.config' | 'Get-TransportAgent';

/** Where a value came from, for evidence: the file and the 1-based line (text/XML) when known. */
export interface SourceRef { file: string; line?: number }

/** The file name of a path written with either slash. */
export function fileBaseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
}

export interface RegisteredAgent {
  name: string;
  /** the factory class (`classFactory` / TransportAgentFactory) */
  factory: string;
  /** `baseType` in agents.config; absent from cmdlet output */
  baseType?: string;
  assemblyPath: string;
  enabled: boolean;
  /** 1-based position in the agent list (agents.config has no priority attribute) */
  priority: number;
  ref: SourceRef;
  /** other properties the source carried (IsCritical, EscalationTeam, unknown attributes), as text */
  extra: Record<string, string>;
}

export interface AgentRegistry {
  source: RegistrySource;
  /** the transport service the list belongs to, when known (from the file name, the content or a
   *  `TransportService`/`PSComputerName`-style property; null when the export does not say) */
  service: TransportService | null;
  /** computer name when the export carries it (PSComputerName) */
  host: string | null;
  file: string;
  agents: RegisteredAgent[];
  /** agents.config settings: monitoring/agentExecution timeLimitInMilliseconds etc. */
  settings: Record<string, string>;
}

/** One Get-TransportPipeline row: an SMTP/categorizer event and the agents that handled it. */
export interface PipelineEntry { event: string; agents: string[]; ref: SourceRef }

export interface TransportPipeline { file: string; host: string | null; entries: PipelineEntry[] }

/** A reader's complaint about malformed input: the file and where. */
export class ExchangeInputError extends Error {
  constructor(readonly file: string, readonly reason: string, readonly line?: number) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${reason}`);
  }
}
