// tracehound evtx dump FILE... | evtx info FILE...
import { COMMON_OPTIONS, EXIT, UsageError, parse, say, threadsOption } from './args.js';
import { decodeFiles } from '../sources/evtx/decode-files.js';
import { describeProblem, type EvtxProblem } from '../sources/evtx/types.js';
import { evtxInfo, type EvtxInfo } from '../sources/evtx/reader.js';
import { Sink } from '../report/sink.js';
import { visible } from '../report/text.js';

export const EVTX_HELP = `usage: tracehound evtx dump FILE... [--format jsonl|xml] [--threads N] [-o FILE]
       tracehound evtx info FILE... [--format table|json]

dump   every record as a JSON line {"record_id","timestamp","event"} (event in the usual
       EVTX-to-JSON shape: Event.System.*, Event.EventData.*), or as XML (--format xml).
       With several files each line also carries "file". Records come out in file order.
info   header facts, the chunk table, record counts and every problem found.

Problems (bad checksums, corrupt chunks or records) are reported on standard error with the
file, chunk and byte offset; the rest of the file is still decoded.

  --threads N   worker threads for decoding (0: none; default: the cores, at most 4)
  -q, --quiet   no problems or summary on standard error`;

function problemLine(path: string, p: EvtxProblem): string {
  return `tracehound: ${visible(path)}: ${visible(describeProblem(p))}`;
}

export async function evtxCommand(argv: string[]): Promise<number> {
  const sub = argv[0];
  if (sub === undefined || sub === '--help' || sub === '-h') { process.stdout.write(EVTX_HELP + '\n'); return sub ? EXIT.ok : EXIT.usage; }
  if (sub !== 'dump' && sub !== 'info') throw new UsageError(`unknown evtx subcommand '${sub}' (available: dump, info)`);
  const { values, positionals } = parse(argv.slice(1), { ...COMMON_OPTIONS, threads: { type: 'string' } });
  if (values.help) { process.stdout.write(EVTX_HELP + '\n'); return EXIT.ok; }
  if (positionals.length === 0) throw new UsageError(`evtx ${sub} needs at least one EVTX file`);
  const threads = threadsOption(values.threads);
  return sub === 'dump' ? dump(positionals, values.format ?? 'jsonl', threads, values.out, !!values.quiet) : info(positionals, values.format, values.out);
}

async function dump(paths: string[], format: string, threads: number | undefined, out: string | undefined, quiet: boolean): Promise<number> {
  if (format !== 'jsonl' && format !== 'xml' && format !== 'json') throw new UsageError(`evtx dump --format must be jsonl or xml; got '${format}'`);
  const sink = new Sink(out);
  if (format === 'xml') sink.write('<?xml version="1.0" encoding="utf-8"?>\n<Events>\n');
  let records = 0, problems = 0, bad = 0;
  // Unused (all-zero) chunks are facts, not problems: `evtx info` lists them.
  const report = (path: string, p: EvtxProblem) => {
    if (p.severity === 'info') return;
    problems++;
    if (!quiet) process.stderr.write(problemLine(path, p) + '\n');
  };
  for await (const ev of decodeFiles(paths, { mode: format === 'xml' ? 'xml' : 'jsonl', ...(threads !== undefined ? { threads } : {}), nameFiles: paths.length > 1 })) {
    if (ev.kind === 'unreadable') { bad++; process.stderr.write(`tracehound: ${visible(ev.path)}: cannot read: ${ev.message}\n`); continue; }
    if (ev.kind === 'file') {
      if (!ev.header) bad++;
      for (const p of ev.problems) report(ev.path, p);
      continue;
    }
    records += ev.output.count;
    if (ev.output.output) sink.writeBytes(ev.output.output);
    for (const p of ev.output.problems) report(ev.path, p);
    if (sink.closed) break;
  }
  if (format === 'xml') sink.write('</Events>\n');
  sink.end();
  say(quiet, `tracehound: ${records} records from ${paths.length - bad} of ${paths.length} files; ${problems} problems`);
  return bad ? EXIT.usage : EXIT.ok;
}

async function info(paths: string[], format: string | undefined, out: string | undefined): Promise<number> {
  const fmt = format ?? (process.stdout.isTTY && out === undefined ? 'table' : 'json');
  if (fmt !== 'table' && fmt !== 'json') throw new UsageError(`evtx info --format must be table or json; got '${fmt}'`);
  const infos: EvtxInfo[] = [];
  let bad = 0;
  for (const p of paths) {
    try {
      const i = await evtxInfo(p);
      if (!i.header) bad++;
      infos.push(i);
    } catch (e) {
      bad++;
      process.stderr.write(`tracehound: ${visible(p)}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
    }
  }
  const sink = new Sink(out);
  if (fmt === 'json') sink.write(JSON.stringify(paths.length === 1 ? infos[0] ?? null : infos, null, 2) + '\n');
  else for (const i of infos) sink.write(infoTable(i));
  sink.end();
  return bad ? EXIT.usage : EXIT.ok;
}

function infoTable(f: EvtxInfo): string {
  const h = f.header;
  const lines = [`file          ${visible(f.path)} (${f.fileSize} bytes)`];
  if (h) {
    lines.push(
      `version       ${h.majorVersion}.${h.minorVersion}`,
      `flags         0x${h.flags.toString(16)}${[h.dirty && ' dirty', h.full && ' full', h.noCrc && ' no-crc'].filter(Boolean).join('')}`,
      `header CRC32  ${h.crcOk ? 'ok' : `mismatch (stored 0x${h.crcStored.toString(16)}, computed 0x${h.crcComputed.toString(16)})`}`,
      `chunks        ${f.chunksInFile} in the file: ${f.chunksValid} valid, ${f.chunksUnused} unused, ${f.chunksBad} bad (header says ${h.chunkCount})`,
      `records       ${f.records} decoded (chunk headers claim ${f.recordsClaimed}); ids ${f.firstRecordId ?? '-'}..${f.lastRecordId ?? '-'}`,
      `time          ${f.firstTimestamp ?? '-'} .. ${f.lastTimestamp ?? '-'}`,
      '',
      'chunk  offset     records  first id   last id    header  data',
    );
    for (const c of f.chunks) {
      lines.push(`${String(c.index).padEnd(6)} ${String(c.offset).padEnd(10)} ${String(c.records).padEnd(8)} ${String(c.firstRecordId).padEnd(10)} ${String(c.lastRecordId).padEnd(10)} ${(c.headerCrcOk ? 'ok' : 'BAD').padEnd(7)} ${c.dataCrcOk ? 'ok' : 'BAD'}`);
    }
  }
  lines.push('', `problems      ${f.problems.length}`);
  for (const p of f.problems) lines.push(`  ${[p.chunk !== undefined ? `chunk ${p.chunk}` : '', `offset ${p.offset}`].filter(Boolean).join(', ')}: ${p.severity ?? 'error'}: ${p.kind}: ${visible(p.message)}`);
  return lines.join('\n') + '\n\n';
}
