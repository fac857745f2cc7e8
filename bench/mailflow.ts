// Message tracking logs at scale: `tracehound hunt` over ≥ 1 GB of generated Exchange message
// tracking logs (written to a temporary folder at bench time, deleted after), lines/s and the
// hunt's peak RSS. The lines are varied the way real logs are: the 2013+ field set, every common
// event and source, quoted source-context and subjects with commas and quotes, recipient lists,
// custom-data, FAIL statuses, a few 2010-format files and header blocks mid-file.
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Rng } from '../src/scenario/prng.js';
import { timed } from './timed.js';

const F2013 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,network-message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version';
const F2010 = 'date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,custom-data';

const RULES = [
  ['Pickup submission to an outside address', "event-id: RECEIVE\n    source: PICKUP\n    recipient-address|endswith: '@mail.example'"],
  ['Transport agent dropped a message', "event-id: [DROP, FAIL]\n    source: AGENT\n    source-context|contains: Agent"],
  ['Large message to many recipients', 'event-id: SEND\n    total-bytes|gte: 5000000\n    recipient-count|gte: 5'],
] as const;

const SUBJECTS = ['Quarterly figures', 'Re: meeting, tomorrow', 'Invoice "final" 2024-03', 'Fwd: contract; signed', 'Out of office', 'Weekly report', 'RE: RE: budget, Q3 "draft"', 'Password expiry notice'];
const USERS = Array.from({ length: 400 }, (_, i) => `user${i}@corp.test`);
const OUTSIDE = Array.from({ length: 200 }, (_, i) => `contact${i}@${['mail.example', 'partner.test', 'vendor.example'][i % 3]}`);
const SERVERS = ['EX01', 'EX02', 'EX03', 'EX04'];

function q(s: string): string { return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; }

/** One message's lines: receive, then resolve/expand/agent events, then deliver, send or fail. */
function message(r: Rng, t: number, legacy: boolean): string[] {
  const srv = r.pick(SERVERS);
  const fqdn = `${srv}.corp.test`;
  const ip = `10.0.0.${SERVERS.indexOf(srv) + 5}`;
  const mid = `<${r.hex(16)}@${r.chance(0.7) ? fqdn : 'mail.example'}>`;
  const iid = String(r.int(1, 2 ** 40));
  const net = r.guid();
  const sender = r.chance(0.8) ? r.pick(USERS) : r.pick(OUTSIDE);
  const n = r.chance(0.7) ? 1 : r.int(2, 8);
  const rcpts = Array.from({ length: n }, () => (r.chance(0.75) ? r.pick(USERS) : r.pick(OUTSIDE)));
  const bytes = String(r.int(2_000, r.chance(0.02) ? 30_000_000 : 200_000));
  const subject = q(r.pick(SUBJECTS));
  const pickup = r.chance(0.01);
  const out: string[] = [];
  const line = (dt: number, ctx: string, conn: string, src: string, evt: string, to: string[], status: string, info: string, custom: string) => {
    const iso = new Date(dt).toISOString();
    const cells = legacy
      ? [iso, ip, fqdn, ip, srv, ctx, conn, src, evt, iid, mid, to.join(';'), status, bytes, String(to.length), '', '', subject, sender, sender, info, 'Originating', '', ip, ip, custom]
      : [iso, ip, fqdn, ip, srv, ctx, conn, src, evt, iid, mid, net, to.join(';'), status, bytes, String(to.length), '', '', subject, sender, sender, info, 'Originating', '', ip, ip, custom, 'Email', r.guid(), '15.02.1544.004'];
    out.push(cells.join(','));
  };
  if (pickup) line(t, 'Pickup', '', 'PICKUP', 'RECEIVE', rcpts, '', '', '');
  else if (r.chance(0.5)) {
    line(t, q(`MDB:${r.guid()}, Mailbox:${r.guid()}, Event:${r.int(1, 1e8)}, MessageClass:IPM.Note, CreationTime:${new Date(t - 150).toISOString()}, ClientType:MOMT`), '', 'STOREDRIVER', 'RECEIVE', rcpts, 'To', `${new Date(t - 200).toISOString()};SRV=${fqdn}:TOTAL-SUB=0.128`, 'S:MailboxDatabaseGuid=' + r.guid() + ';S:DeliveryPriority=Normal');
  } else line(t, `08DC${r.hex(12).toUpperCase()};250 2.0.0 OK`, `${srv}\\Default ${srv}`, 'SMTP', 'RECEIVE', rcpts, '', '', '');
  if (r.chance(0.1)) line(t + 5, 'Transport Rule Agent', '', 'AGENT', 'AGENTINFO', rcpts, '', '', `S:TRA=ETR|ruleId=${r.guid()}|st=3/4/2024 9:09:58 AM|action=SetHeader|sev=1|mode=Enforce`);
  if (r.chance(0.003)) line(t + 6, 'Malware Agent', '', 'AGENT', 'DROP', rcpts, '', '', 'S:AMA=SI|action=d|error=|atch=1');
  if (r.chance(0.05)) line(t + 8, '', '', 'ROUTING', 'RESOLVE', rcpts.slice(0, 1), '', '', '');
  if (r.chance(0.03)) line(t + 9, '', '', 'ROUTING', 'FAIL', rcpts.slice(0, 1), '550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found;[{LRT=};{LED=550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found};{FQDN=};{IP=}]', '', '');
  const inside = rcpts.filter((x) => x.endsWith('@corp.test'));
  const outside = rcpts.filter((x) => !x.endsWith('@corp.test'));
  if (inside.length) line(t + 40, q(`${r.guid()}, Mailbox:${r.guid()}`), '', 'STOREDRIVER', 'DELIVER', inside, inside.map(() => '250 2.1.5 Recipient OK').join(';'), `${new Date(t).toISOString()};SRV=${fqdn}:TOTAL=0`, '');
  if (outside.length) line(t + 60, `${srv}\\Internet Send;250 2.6.0 OK`, 'Internet Send', 'SMTP', 'SEND', outside, outside.map(() => '250 2.6.0 Queued mail for delivery').join(';'), '', '');
  return out;
}

/** Writes log files under `dir` until `target` bytes; returns the bytes and log lines written. */
export async function generate(dir: string, target: number): Promise<{ bytes: number; lines: number; files: number }> {
  const r = new Rng(14);
  const folder = join(dir, 'TransportRoles', 'Logs', 'MessageTracking');
  mkdirSync(folder, { recursive: true });
  const perFile = 96 * 2 ** 20;
  let bytes = 0, lines = 0, files = 0;
  let t = Date.parse('2024-03-01T00:00:00Z');
  while (bytes < target) {
    const legacy = files % 7 === 6; // a 2010 server among the newer ones
    const kind = ['MSGTRK', 'MSGTRKMS', 'MSGTRKMD', 'MSGTRK'][files % 4]!;
    const name = join(folder, `${kind}${new Date(t).toISOString().slice(0, 13).replace(/[-T]/g, '')}-${files + 1}.LOG`);
    const ws = createWriteStream(name);
    const header = () => `#Software: Microsoft Exchange Server\r\n#Version: ${legacy ? '14.03.0123.003' : '15.02.1544.004'}\r\n#Log-type: Message Tracking Log\r\n#Date: ${new Date(t).toISOString()}\r\n#Fields: ${legacy ? F2010 : F2013}\r\n`;
    let written = 0;
    let chunk = '\ufeff' + header();
    while (written < perFile && bytes + written < target) {
      const ls = message(r, t, legacy);
      t += r.int(20, 400);
      lines += ls.length;
      chunk += ls.join('\r\n') + '\r\n';
      if (r.chance(0.0002)) chunk += header(); // a service restart writes a new header block
      if (chunk.length > 1 << 20) {
        written += Buffer.byteLength(chunk);
        if (!ws.write(chunk)) await new Promise<void>((res) => ws.once('drain', () => res()));
        chunk = '';
      }
    }
    written += Buffer.byteLength(chunk);
    await new Promise<void>((res, rej) => { ws.on('error', rej); ws.end(chunk, res); });
    bytes += written;
    files++;
  }
  return { bytes, lines, files };
}

export async function mailflowBench(cli: string): Promise<void> {
  const target = Number(process.env['BENCH_MTL_BYTES'] ?? 1.05e9);
  const dir = mkdtempSync(join(tmpdir(), 'th-bench-mtl-'));
  try {
    console.log(`\nmessage tracking logs: generating ${(target / 1e9).toFixed(2)} GB of varied log lines in ${dir} (deleted afterwards)`);
    const t0 = process.hrtime.bigint();
    const g = await generate(join(dir, 'evidence'), target);
    console.log(`generated ${g.files} files, ${(g.bytes / 1e9).toFixed(2)} GB, ${g.lines.toLocaleString('en')} log lines in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
    const rules = join(dir, 'rules');
    mkdirSync(rules);
    RULES.forEach(([title, sel], i) => writeFileSync(join(rules, `r${i}.yml`),
      `title: ${title}\nid: 0b5c4f1e-14a0-4c00-8000-00000000000${i}\nlogsource:\n  product: exchange\n  service: messagetracking\ndetection:\n  selection:\n    ${sel}\n  condition: selection\nlevel: medium\n`));
    process.env['TRACEHOUND_HOME'] = join(dir, 'home');
    const run = timed(process.execPath, [cli, 'hunt', join(dir, 'evidence'), '--rules', rules, '--format', 'jsonl', '--threads', '0']);
    const events = /; (\d+) events/.exec(run.stderr)?.[1];
    const matches = /; (\d+) matches/.exec(run.stderr)?.[1];
    if (run.status !== 0 || events === undefined) { console.log(`hunt failed (${run.status}): ${run.stderr.slice(-500)}`); return; }
    console.log(`hunt (read + parse + normalise + ${RULES.length} rules, findings): ${Math.round(Number(events) / run.wall).toLocaleString('en')} lines/s, ` +
      `${(g.bytes / 2 ** 20 / run.wall).toFixed(0)} MiB/s (${Number(events).toLocaleString('en')} events of ${g.lines.toLocaleString('en')} lines, ${Number(matches).toLocaleString('en')} matches, ${run.wall.toFixed(1)} s)`);
    console.log(`hunt peak RSS: ${(run.rssKiB / 1024).toFixed(0)} MiB (bound: 300 MiB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
