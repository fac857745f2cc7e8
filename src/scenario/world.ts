// What every scenario starts from: the seeded generator, the timeline, the organisation and its
// machines; and what every scenario declares: its stages and context groups.
import { Rng } from './prng.js';
import { makeOrganisation, type Host, type Organisation } from './org.js';
import { Timeline } from './timeline.js';
import { DAY, Machine } from './machine.js';

export type Level = 'medium' | 'high' | 'critical';

export interface StageDef {
  id: string;
  description: string;
  /** a rule of at least this level must match at least one of the stage's events */
  expectedMinLevel: Level;
}

export interface ContextDef {
  id: string;
  description: string;
}

export interface World {
  rng: Rng;
  tl: Timeline;
  org: Organisation;
  exch01: Machine;
  exch02: Machine;
  adm01: Machine;
}

/** The machines have been up for twelve days when a scenario's window opens (GetTickCount-based names use it). */
export const UPTIME = 12 * DAY;

export function makeWorld(seed: number, windowStart: number): World {
  const rng = new Rng(seed);
  const tl = new Timeline(rng.fork());
  const org = makeOrganisation([rng.hex(40), rng.hex(40), rng.hex(40)]);
  const boot = windowStart - UPTIME - rng.int(0, 3_600_000);
  const exch01 = new Machine(tl, org.exch01, boot);
  const exch02 = new Machine(tl, org.exch02, boot + rng.int(60_000, 7_200_000));
  const adm01 = new Machine(tl, org.adm01, windowStart - rng.int(2, 5) * DAY);
  exch01.peers = [org.adm01, org.exch02];
  exch02.peers = [org.adm01, org.exch01];
  adm01.peers = [org.exch01, org.exch02];
  return { rng, tl, org, exch01, exch02, adm01 };
}

/** What a scenario function returns besides the records the world's timeline collected. */
export interface ScenarioPlan {
  description: string;
  hosts: Host[];
  window: { from: number; to: number };
  stages: StageDef[];
  context: ContextDef[];
}
