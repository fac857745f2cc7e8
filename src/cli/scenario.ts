// tracehound scenario NAME... --out DIR [--seed N] [--formats jsonl,xml,defender-csv,defender-json]
import { COMMON_OPTIONS, EXIT, UsageError, parse, say } from './args.js';
import { DEFAULT_SEED, OUTPUT_FORMATS, SCENARIO_NAMES, isScenarioName, writeScenarios, type OutputFormat, type ScenarioName } from '../scenario/index.js';
import { visible } from '../report/text.js';

export const SCENARIO_HELP = `usage: tracehound scenario NAME... --out DIR [options]

Write synthetic, deterministic evidence of one modelled Exchange organisation (Mailbox servers
EXCH01 and EXCH02, admin workstation ADM01): the same seed always gives the same bytes.

scenarios:
  lightneuron   the LightNeuron intrusion as the CTID Turla emulation runs it: staging over SMB,
                remote WMI, installer script, look-alike "Connection Filtering Agent", transport
                restart, commands by mail (ipconfig /all), collection and exfiltration via Pickup
  atomic        the Atomic Red Team T1505.002 test: a failed run, Install/Enable-TransportAgent
                "Security Interop Agent", cleanup (Disable/Uninstall)
  benign-week   seven ordinary days on a Mailbox server: a vendor agent installed through EMS, a
                cumulative update, administrators listing agents, background activity
  all           every scenario above

Files: DIR/NAME/HOST/<channel>.jsonl and .xml (Windows events, one file per host and channel),
DIR/NAME/defender/<Table>.csv and .json (Defender for Endpoint exports), and DIR/manifest.json
(stages with the events each is made of and the minimum rule level expected to catch it; where
every event is). Hunt a scenario's folder: tracehound hunt DIR/NAME

  --out DIR        the folder to write to (created if needed; files of the same names are replaced)
  --seed N         seed of the generator (a whole number, default ${DEFAULT_SEED})
  --formats LIST   comma-separated: ${OUTPUT_FORMATS.join(', ')} (default: all)
  -q, --quiet      print nothing

Exit status: 0 written, 2 usage error.`;

export async function scenarioCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    help: COMMON_OPTIONS.help,
    quiet: COMMON_OPTIONS.quiet,
    out: COMMON_OPTIONS.out,
    seed: { type: 'string' },
    formats: { type: 'string' },
  });
  if (values.help) { process.stdout.write(SCENARIO_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError(`scenario needs at least one NAME (${[...SCENARIO_NAMES, 'all'].join(', ')})`);
  const names: ScenarioName[] = [];
  for (const p of positionals) {
    if (p === 'all') names.push(...SCENARIO_NAMES);
    else if (isScenarioName(p)) names.push(p);
    else throw new UsageError(`unknown scenario '${p}'; expected ${[...SCENARIO_NAMES, 'all'].join(', ')}`);
  }
  if (values.out === undefined || values.out === '') throw new UsageError('scenario needs --out DIR');
  let seed = DEFAULT_SEED;
  if (values.seed !== undefined) {
    if (!/^\d{1,15}$/.test(values.seed)) throw new UsageError(`--seed must be a whole number (at most 15 digits); got '${values.seed}'`);
    seed = Number(values.seed);
  }
  let formats: OutputFormat[] = [...OUTPUT_FORMATS];
  if (values.formats !== undefined) {
    formats = [];
    for (const f of values.formats.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(f)) throw new UsageError(`--formats: unknown format '${f}'; expected ${OUTPUT_FORMATS.join(', ')}`);
      if (!formats.includes(f as OutputFormat)) formats.push(f as OutputFormat);
    }
    if (formats.length === 0) throw new UsageError(`--formats needs at least one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  const manifest = writeScenarios([...new Set(names)], values.out, { seed, formats });
  for (const s of manifest.scenarios) {
    say(values.quiet, `tracehound: ${s.name}: ${s.records} records in ${s.files.length} files, ${s.stages.length} stages (seed ${seed})`);
  }
  say(values.quiet, `tracehound: manifest written to ${visible(values.out)}/manifest.json`);
  return EXIT.ok;
}
