// tracehound fields: the mapping from Windows channels and event ids, and from Exchange's text logs,
// to Sigma logsources and field names, printed from the data files the hunt uses
// (data/windows-logsources.yaml, data/exchange-logs.yaml).
import { COMMON_OPTIONS, EXIT, UsageError, formatOption, parse } from './args.js';
import { windowsLogsourceMap } from '../events/logsource-map.js';
import { exchangeLogMap } from '../events/exchange-logs.js';
import { Sink } from '../report/sink.js';
import { csvRow } from '../report/csv.js';
import { dataPath } from '../util/package-root.js';

export const FIELDS_HELP = `usage: tracehound fields [--format table|json|jsonl|csv]

How events meet Sigma rules: each Windows channel's Sigma service, the (service, event ids) that
make a Sigma category, and the Sigma field names added for fields the source names differently
(the source names stay available too). Read from ${'data/windows-logsources.yaml'}. Then Exchange
Server's text logs (product exchange): each #Log-type's service and field names, and the names
Get-MessageTrackingLog exports are read under. Read from ${'data/exchange-logs.yaml'}.`;

interface Row { channel: string; service: string; category: string; event_ids: string; when: string; aliases: string; product: string; fields: string }

/** The Exchange log types as rows: `channel` is the #Log-type line, `aliases` the export property names. */
function exchangeRows(): Row[] {
  const m = exchangeLogMap();
  const rows: Row[] = m.types.map((t) => ({
    channel: `#Log-type: ${t.log_type}`, service: t.service, category: '', event_ids: '', when: '', product: m.product,
    aliases: t === m.trackingExport.spec ? [...m.trackingExport.originalNames].map(([lower, prop]) => `${m.trackingExport.properties.get(lower)} <- ${prop}`).join(', ') : '',
    fields: (t.fields ?? []).join(','),
  }));
  rows.push({ channel: '#Log-type: (any other)', service: '(the log type, e.g. httpproxy-logs)', category: '', event_ids: '', when: '', aliases: '', product: m.product, fields: '(its #Fields line)' });
  return rows;
}

export async function fieldsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON_OPTIONS);
  if (values.help) { process.stdout.write(FIELDS_HELP + '\n'); return EXIT.ok; }
  if (positionals.length) throw new UsageError(`fields takes no arguments (got '${positionals[0]}')`);
  const format = formatOption(values.format, values.out !== undefined);
  const map = windowsLogsourceMap();
  const channelsOf = new Map<string, string[]>();
  for (const [ch, svc] of map.channels) channelsOf.set(svc, [...(channelsOf.get(svc) ?? []), map.channelNames.get(ch) ?? ch]);
  const rows: Row[] = [];
  const withCategory = new Set(map.categories.map((c) => c.service));
  for (const c of map.categories) {
    rows.push({
      channel: (channelsOf.get(c.service) ?? []).join(' | '), service: c.service, category: c.category, event_ids: c.event_ids.join(','),
      when: c.when ? Object.entries(c.when).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('|') : v}`).join(' ') : '',
      aliases: c.aliases ? Object.entries(c.aliases).map(([sigma, src]) => `${sigma} <- ${src}`).join(', ') : '',
      product: 'windows', fields: '',
    });
  }
  for (const [svc, chans] of channelsOf) if (!withCategory.has(svc)) rows.push({ channel: chans.join(' | '), service: svc, category: '', event_ids: '', when: '', aliases: '', product: 'windows', fields: '' });
  const exchange = exchangeRows();
  const sink = new Sink(values.out);
  const cols: (keyof Row)[] = ['channel', 'service', 'category', 'event_ids', 'when', 'aliases', 'product', 'fields'];
  if (format === 'json') {
    const m = exchangeLogMap();
    sink.write(JSON.stringify({
      source: dataPath('windows-logsources.yaml'), product: 'windows', mappings: rows,
      exchange: {
        source: dataPath('exchange-logs.yaml'), product: m.product,
        log_types: m.types.map((t) => ({ log_type: t.log_type, service: t.service, time: t.time ?? null, host: t.host ?? null, lists: t.lists ?? [], numbers: t.numbers ?? [], fields: t.fields ?? [] })),
        other_log_types: { time: m.genericTime, host: m.genericHost },
        tracking_export: { service: m.trackingExport.spec.service, properties: Object.fromEntries([...m.trackingExport.originalNames].map(([lower, orig]) => [orig, m.trackingExport.properties.get(lower)!])) },
      },
    }, null, 2) + '\n');
  } else if (format === 'jsonl') for (const r of [...rows, ...exchange]) sink.write(JSON.stringify(r) + '\n');
  else if (format === 'csv') { sink.write(csvRow(cols)); for (const r of [...rows, ...exchange]) sink.write(csvRow(cols.map((c) => r[c]))); }
  else {
    const tableCols = cols.slice(0, 6);
    const w: Partial<Record<keyof Row, number>> = { channel: 46, service: 22, category: 22, event_ids: 16, when: 22, aliases: 0 };
    sink.write(tableCols.map((c) => c.toUpperCase().padEnd(w[c]!)).join(' ').trimEnd() + '\n');
    for (const r of rows) sink.write(tableCols.map((c) => (w[c] && r[c].length > w[c]! ? r[c].slice(0, w[c]! - 1) + '…' : r[c]).padEnd(w[c]!)).join(' ').trimEnd() + '\n');
    sink.write('\nAll events also keep their System fields (EventID, Channel, Provider_Name, Computer, ...) and EventData by Name; unnamed <Data> items are the list Data.\n');
    sink.write(`\nExchange Server logs (product: exchange; ${dataPath('exchange-logs.yaml')}):\n`);
    for (const r of exchange) sink.write(`${r.channel.padEnd(46)} ${r.service}\n  fields: ${r.fields}\n${r.aliases ? `  Get-MessageTrackingLog exports: ${r.aliases}\n` : ''}`);
  }
  sink.end();
  return EXIT.ok;
}
