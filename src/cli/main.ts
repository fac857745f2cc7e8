#!/usr/bin/env node
// tracehound command line: parse the command, call it, map errors to exit status 2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, UsageError } from './args.js';
import { packageRoot } from '../util/package-root.js';

const HELP = `tracehound — find, explain and contain malicious Exchange transport agents (ATT&CK T1505.002)

usage: tracehound <command> [options]

commands:
  hunt PATH...            run Sigma rules over evidence files and print findings
  audit PATH...           audit the transport agents of a collected Exchange server
  rules check PATH...     validate Sigma rules
  rules convert --to T    compile rules to KQL, SPL, ES|QL, EQL or SQL queries
  rules update            fetch the SigmaHQ rule release ('hunt --rules sigma' runs it)
  evtx dump|info FILE...  decode EVTX files to JSON lines or XML; header, chunks and problems
  export --to jsonl|parquet PATH... --out FILE   the normalised event table (what --to sql queries)
  cases list|show|set...  the case store: recorded hunts and findings, triage state, notes
  fields                  how Windows channels and event ids map to Sigma logsources and fields
  scenario NAME...        write deterministic synthetic evidence (lightneuron, atomic, benign-week)
  technique ID            the technique page (T1505.002: content, telemetry, playbook; ATT&CK fields)
  attack import FILE|DIR  import an ATT&CK STIX bundle or object folder into the local store
  serve                   the local web UI on 127.0.0.1 (findings, triage, hunts, rules, technique)
  help [command]          this text, or a command's options
  version                 print the version

Run 'tracehound <command> --help' for a command's options.`;

/** `tracehound help COMMAND`: the command's own help text (the overview for anything else). */
async function commandHelp(cmd: string | undefined): Promise<string> {
  switch (cmd) {
    case 'hunt': return (await import('./hunt.js')).HUNT_HELP;
    case 'audit': return (await import('./audit.js')).AUDIT_HELP;
    case 'rules': { const r = await import('./rules.js'); return `${r.RULES_HELP}\n\n${r.CONVERT_HELP}\n\n${(await import('./rules-update.js')).UPDATE_HELP}`; }
    case 'evtx': return (await import('./evtx.js')).EVTX_HELP;
    case 'export': return (await import('./export.js')).EXPORT_HELP;
    case 'fields': return (await import('./fields.js')).FIELDS_HELP;
    case 'scenario': return (await import('./scenario.js')).SCENARIO_HELP;
    case 'cases': return (await import('./cases.js')).CASES_HELP;
    case 'technique': return (await import('./technique.js')).TECHNIQUE_HELP;
    case 'attack': return (await import('./attack.js')).ATTACK_HELP;
    case 'serve': return (await import('./serve.js')).SERVE_HELP;
    default: return HELP;
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      // Commands are loaded on use, so a command does not pay for the others' modules at start-up.
      case 'hunt': return await (await import('./hunt.js')).huntCommand(rest);
      case 'audit': return await (await import('./audit.js')).auditCommand(rest);
      case 'rules': return await (await import('./rules.js')).rulesCommand(rest);
      case 'evtx': return await (await import('./evtx.js')).evtxCommand(rest);
      case 'export': return await (await import('./export.js')).exportCommand(rest);
      case 'fields': return await (await import('./fields.js')).fieldsCommand(rest);
      case 'scenario': return await (await import('./scenario.js')).scenarioCommand(rest);
      case 'cases': return await (await import('./cases.js')).casesCommand(rest);
      case 'technique': return await (await import('./technique.js')).techniqueCommand(rest);
      case 'attack': return await (await import('./attack.js')).attackCommand(rest);
      case 'serve': return await (await import('./serve.js')).serveCommand(rest);
      case 'version': case '--version': case '-V': {
        const pj = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
        process.stdout.write(`tracehound ${pj.version}\n`);
        return EXIT.ok;
      }
      case 'help': case '--help': case '-h': case undefined:
        process.stdout.write((await commandHelp(rest[0])) + '\n');
        return cmd === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command '${cmd}'. Run 'tracehound help'.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`tracehound: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR') {
      process.stderr.write(`tracehound: ${err.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`tracehound: internal error: ${err.stack ?? err.message}\n`);
    return 70;
  }
}

const invoked = process.argv[1] ?? '';
if (/[\\/]cli[\\/]main\.(ts|js)$/.test(invoked)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
