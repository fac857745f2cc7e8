// Deterministic scenarios of Exchange transport agent abuse and of benign Exchange administration:
// generate one (records, stages), render it in the chosen formats, and write the files with a
// manifest that says which events belong to which intrusion stage and where each event is.
// Same scenario, seed and formats: byte-identical files.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeWorld, type Level, type ScenarioPlan, type World } from './world.js';
import { lightneuron, LIGHTNEURON_START } from './lightneuron.js';
import { atomic, ATOMIC_START } from './atomic.js';
import { benignWeek, BENIGN_WEEK_START } from './benign-week.js';
import { renderRecords, OUTPUT_FORMATS, type OutputFormat, type RenderedFile } from './render.js';
import { sourceLabel, type ScenarioRecord } from './records.js';
import type { HostRole } from './org.js';

export { OUTPUT_FORMATS, type OutputFormat, type RenderedFile } from './render.js';
export type { ScenarioRecord, WinEvent, DefenderRow, DefenderTable } from './records.js';
export type { Level } from './world.js';

export const SCENARIO_NAMES = ['lightneuron', 'atomic', 'benign-week'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const DEFAULT_SEED = 1;

export interface ScenarioOptions {
  seed?: number;
  /**
   * Log local snap-in successes (MSExchange Management ID 3), as a raised `MSExchange CmdletLogs`
   * diagnostic level would; off by default, as on a default install (DOMAIN §4.1).
   */
  cmdletSuccessLogging?: boolean;
}

export interface Stage {
  id: string;
  description: string;
  expectedMinLevel: Level;
  /** ids of the stage's records */
  events: string[];
}

export interface ContextGroup {
  id: string;
  description: string;
  events: string[];
}

export interface Scenario {
  name: ScenarioName;
  seed: number;
  description: string;
  window: { from: string; to: string };
  hosts: { name: string; fqdn: string; role: HostRole; ip: string; deviceId: string }[];
  /** every record, in time order */
  records: ScenarioRecord[];
  /** intrusion stages (none for benign scenarios) */
  stages: Stage[];
  /** parts of an intrusion no detection is expected for */
  context: ContextGroup[];
  /** true when nothing in the scenario is malicious */
  benign: boolean;
}

const STARTS: Record<ScenarioName, number> = { lightneuron: LIGHTNEURON_START, atomic: ATOMIC_START, 'benign-week': BENIGN_WEEK_START };

export function isScenarioName(s: string): s is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(s);
}

export function generateScenario(name: ScenarioName, opts: ScenarioOptions = {}): Scenario {
  const seed = opts.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed) || seed < 0 || !Number.isSafeInteger(seed * 4 + 3)) throw new RangeError(`seed must be a whole number from 0 to ${Math.floor((Number.MAX_SAFE_INTEGER - 3) / 4)}; got ${seed}`);
  const salt = SCENARIO_NAMES.indexOf(name) + 1;
  const world: World = makeWorld(seed * 4 + salt, STARTS[name]);
  const o = { cmdletSuccessLogging: opts.cmdletSuccessLogging ?? false };
  const plan: ScenarioPlan = name === 'lightneuron' ? lightneuron(world, o) : name === 'atomic' ? atomic(world, o) : benignWeek(world);
  const bases = new Map<string, number>();
  const records = world.tl.finish((host, channel) => {
    const k = `${host.name}|${channel}`;
    let b = bases.get(k);
    if (b === undefined) bases.set(k, (b = world.rng.int(20_000, 2_000_000)));
    return b;
  }, (r) => r.time >= plan.window.from && r.time < plan.window.to);

  const byStage = new Map<string, string[]>(), byContext = new Map<string, string[]>();
  for (const r of records) {
    if (r.tag.stage) byStage.set(r.tag.stage, [...(byStage.get(r.tag.stage) ?? []), r.id]);
    if (r.tag.context) byContext.set(r.tag.context, [...(byContext.get(r.tag.context) ?? []), r.id]);
  }
  for (const k of byStage.keys()) if (!plan.stages.some((s) => s.id === k)) throw new Error(`internal: scenario ${name} tags undeclared stage ${k}`);
  for (const k of byContext.keys()) if (!plan.context.some((s) => s.id === k)) throw new Error(`internal: scenario ${name} tags undeclared context ${k}`);
  const stages = plan.stages.map((s) => {
    const events = byStage.get(s.id) ?? [];
    if (events.length === 0) throw new Error(`internal: stage ${s.id} of scenario ${name} has no events`);
    return { id: s.id, description: s.description, expectedMinLevel: s.expectedMinLevel, events };
  });
  const context = plan.context.map((c) => ({ id: c.id, description: c.description, events: byContext.get(c.id) ?? [] }));
  return {
    name, seed, description: plan.description,
    window: { from: new Date(plan.window.from).toISOString(), to: new Date(plan.window.to).toISOString() },
    hosts: plan.hosts.map((h) => ({ name: h.name, fqdn: h.fqdn, role: h.role, ip: h.ip, deviceId: h.deviceId })),
    records, stages, context, benign: stages.length === 0 && context.length === 0,
  };
}

/** Renders a scenario's records in `formats` (files under `<scenario name>/`). */
export function renderScenario(s: Scenario, formats: readonly OutputFormat[] = OUTPUT_FORMATS): RenderedFile[] {
  return renderRecords(s.name, s.records, formats);
}

// ---- manifest ---------------------------------------------------------------------------------

export interface ManifestFile {
  /** relative to the manifest, '/'-separated */
  path: string;
  format: OutputFormat;
  host?: string;
  channel?: string;
  table?: string;
  records: number;
  sha256: string;
}

/** Where a record is: its file (relative to the manifest) and the 1-based line it starts on. */
export interface Location { file: string; line: number }

export interface ManifestEvent {
  time: string;
  host: string;
  /** 'Sysmon 1', 'Security 4688', 'MSExchange Management 6', 'DeviceFileEvents' … */
  source: string;
  /** what identifies the record inside its file: Computer, Channel, EventID, EventRecordID; or DeviceName, ActionType, ReportId */
  key: Record<string, string | number>;
  stage?: string;
  context?: string;
  /** one location per format written */
  at: Location[];
}

export interface ScenarioManifest {
  name: ScenarioName;
  seed: number;
  description: string;
  benign: boolean;
  window: { from: string; to: string };
  hosts: Scenario['hosts'];
  formats: OutputFormat[];
  files: ManifestFile[];
  /** records in the scenario (each appears once per format family written: Windows events in jsonl/xml, Defender rows in defender-csv/defender-json) */
  records: number;
  stages: Stage[];
  context: ContextGroup[];
  events: Record<string, ManifestEvent>;
}

export interface Manifest {
  /**
   * A logsource product of its own, so that hunting a folder that holds the manifest does not
   * treat it as a Windows event (a flat JSON record without one meets every rule).
   */
  product: 'tracehound-scenario-manifest';
  tool: 'tracehound scenario';
  version: 1;
  seed: number;
  formats: OutputFormat[];
  scenarios: ScenarioManifest[];
}

export function scenarioManifest(s: Scenario, files: RenderedFile[], formats: readonly OutputFormat[]): ScenarioManifest {
  const at = new Map<string, Location[]>();
  for (const f of files) for (const r of f.records) {
    let l = at.get(r.id);
    if (!l) at.set(r.id, (l = []));
    l.push({ file: f.path, line: r.line });
  }
  const events: Record<string, ManifestEvent> = {};
  for (const r of s.records) {
    const key: Record<string, string | number> = r.kind === 'windows'
      ? { Computer: r.host.fqdn, Channel: r.channel, EventID: r.eventId, EventRecordID: r.recordId }
      : { DeviceName: String(r.row['DeviceName']), ActionType: String(r.row['ActionType']), ReportId: Number(r.row['ReportId']) };
    const e: ManifestEvent = { time: new Date(r.time).toISOString(), host: r.host.fqdn, source: sourceLabel(r), key, at: at.get(r.id) ?? [] };
    if (r.tag.stage) e.stage = r.tag.stage;
    if (r.tag.context) e.context = r.tag.context;
    events[r.id] = e;
  }
  return {
    name: s.name, seed: s.seed, description: s.description, benign: s.benign, window: s.window, hosts: s.hosts, formats: [...formats],
    files: files.map((f) => ({
      path: f.path, format: f.format, ...(f.host ? { host: f.host } : {}), ...(f.channel ? { channel: f.channel } : {}), ...(f.table ? { table: f.table } : {}),
      records: f.records.length, sha256: createHash('sha256').update(f.content, 'utf8').digest('hex'),
    })),
    records: s.records.length, stages: s.stages, context: s.context, events,
  };
}

export interface WriteOptions extends ScenarioOptions {
  formats?: readonly OutputFormat[];
}

/**
 * Generates the scenarios, writes their files under `dir` (`<dir>/<scenario>/…`, overwriting files
 * of the same names) and `<dir>/manifest.json`, and returns the manifest.
 */
export function writeScenarios(names: readonly ScenarioName[], dir: string, opts: WriteOptions = {}): Manifest {
  const formats = opts.formats ?? OUTPUT_FORMATS;
  const seed = opts.seed ?? DEFAULT_SEED;
  const manifest: Manifest = { product: 'tracehound-scenario-manifest', tool: 'tracehound scenario', version: 1, seed, formats: [...formats], scenarios: [] };
  for (const name of [...new Set(names)]) {
    const s = generateScenario(name, { ...opts, seed });
    const files = renderScenario(s, formats);
    for (const f of files) {
      const p = join(dir, ...f.path.split('/'));
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
    }
    manifest.scenarios.push(scenarioManifest(s, files, formats));
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  return manifest;
}
