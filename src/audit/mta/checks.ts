// The verdict on each mail hook: known filter, packaged program, unknown, suspicious; copies judged
// by their destination's domain. Pure: an inventory and the collection's ownership facts in, issues out.
import type { FieldValue } from '../../events/model.js';
import type { Severity } from '../../findings/model.js';
import type { IssueOf } from '../to-findings.js';
import type { MtaCatalogue, MtaCheckId, KnownTool } from './catalogue.js';
import type { MtaCollection } from './collection.js';
import type { HookInventory, MtaHook } from './hooks.js';

export type MtaIssue = IssueOf<MtaCheckId>;

const INTERPRETERS = /^(?:.*\/)?(sh|bash|dash|ksh|zsh|perl|python[0-9.]*|ruby|php[0-9.]*|node|env|busybox)$/;
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\]|\[127\.0\.0\.1\])$/i;

/** The program a command runs: the script when the first word is an interpreter. */
export function effectiveProgram(argv: string[]): string | null {
  const [first, ...rest] = argv;
  if (!first) return null;
  if (!INTERPRETERS.test(first)) return first;
  const script = rest.find((a) => !a.startsWith('-') && a.startsWith('/'));
  return script ?? first;
}

/** The file path a socket names (local:/x, unix:/x, /x), or null for inet sockets. */
function socketPath(s: string): string | null {
  const m = /^(?:local|unix):(.+)$/i.exec(s);
  if (m) return m[1]!;
  return s.startsWith('/') ? s : null;
}

/** Host and port of an inet socket: inet:host:port (Postfix), inet:port@host (Sendmail), inet6. */
function socketInet(s: string): { host: string; port: string } | null {
  let m = /^inet6?:(\d+)@(.+)$/i.exec(s);
  if (m) return { host: m[2]!, port: m[1]! };
  m = /^inet6?:(.+):(\d+)$/i.exec(s);
  return m ? { host: m[1]!, port: m[2]! } : null;
}

function domainOf(address: string): string | null {
  const a = address.trim().replace(/^<|>$/g, '');
  const at = a.lastIndexOf('@');
  return at < 0 ? null : a.slice(at + 1).toLowerCase();
}

export function inOrg(domain: string, org: readonly string[]): boolean {
  return org.some((d) => domain === d || domain.endsWith('.' + d));
}

export interface MtaCheckOptions { catalogue: MtaCatalogue; orgDomains: string[] }

export function judgeHooks(inv: HookInventory, c: MtaCollection, opts: MtaCheckOptions): MtaIssue[] {
  const org = [...new Set([...inv.orgDomains, ...opts.orgDomains.map((d) => d.toLowerCase().replace(/^@/, ''))])];
  return inv.hooks.map((h) => judge(h, c, opts.catalogue, org));
}

function subjectOf(h: MtaHook): string {
  return `${h.mta} ${h.point}${h.context ? ` [${h.context.slice(0, 120)}]` : ''}: ${h.value.slice(0, 300)}`;
}

function judge(h: MtaHook, c: MtaCollection, cat: MtaCatalogue, org: string[]): MtaIssue {
  const reasons: string[] = [];
  const fields: Record<string, FieldValue> = { mta: h.mta, point: h.point, hook: h.kind, value: h.value, context: h.context };
  const issue = (check: MtaCheckId, severity?: Severity): MtaIssue => ({
    check, ...(severity ? { severity } : {}), subject: subjectOf(h), reasons,
    evidence: h.refs.map((r) => ({ file: r.file, kind: 'mta-config' as const, ...(r.line ? { line: r.line } : {}) })),
    fields: { ...fields, verdict: check.replace(/^mta-/, '') }, times: [],
  });
  const suspicious = (path: string) => cat.suspiciousPaths.find((p) => p.pattern.test(path));

  if (h.kind === 'copy' || h.kind === 'redirect') {
    const verb = h.kind === 'copy' ? 'copies' : 'redirects';
    const domain = h.address ? domainOf(h.address) : null;
    fields['address'] = h.address ?? null;
    if (domain === null) { reasons.push(`${h.point} ${verb} mail to the local recipient '${h.value.slice(0, 200)}'`); return issue('mta-copy-inside'); }
    if (org.length === 0) { reasons.push(`${h.point} ${verb} mail to ${h.value.slice(0, 200)}; the organisation's domains are not known`); return issue('mta-copy-unknown-org'); }
    if (inOrg(domain, org)) { reasons.push(`${h.point} ${verb} mail to ${h.value.slice(0, 200)}, inside ${org.slice(0, 5).join(', ')}`); return issue('mta-copy-inside'); }
    reasons.push(`${h.point} ${verb} mail to ${h.value.slice(0, 200)}: ${domain} is not one of the organisation's domains (${org.slice(0, 5).join(', ')}${org.length > 5 ? ', …' : ''})`);
    return issue('mta-copy-outside');
  }
  if (h.kind === 'missing') {
    reasons.push(`${h.point} names ${h.value.slice(0, 200)}, which the collection does not hold: its entries cannot be judged`);
    return issue('mta-unknown-hook', 'low');
  }
  if (h.kind === 'code') {
    const path = h.value.startsWith('/') ? h.value : null;
    const where = path ? suspicious(path) : undefined;
    if (where) { reasons.push(`${h.point} ${h.value.slice(0, 200)} is in ${where.what}`); return issue('mta-suspicious-hook'); }
    if (path && c.owners.has(path)) {
      const owner = c.owners.get(path);
      if (owner === null) { reasons.push(`${h.point} ${path} is owned by no package`); return issue('mta-suspicious-hook'); }
      reasons.push(`${h.point} ${path} belongs to the package ${owner}`);
      return issue('mta-packaged-hook');
    }
    reasons.push(`${h.point} runs site code (${h.value.slice(0, 200)}) inside the MTA`);
    return issue('mta-unknown-hook');
  }
  if (h.kind === 'program' && h.argv) {
    const program = effectiveProgram(h.argv);
    fields['program'] = program;
    const paths = h.argv.filter((a) => a.startsWith('/'));
    for (const p of paths) {
      const where = suspicious(p);
      if (where) reasons.push(`${h.point} runs ${p.slice(0, 200)}, in ${where.what}`);
    }
    if (program) {
      const sha = c.hashes.get(program);
      if (sha) fields['sha256'] = sha;
      if (program !== h.argv[0] && h.argv[0]) reasons.push(`${h.argv[0]} interprets ${program}`);
    }
    if (reasons.some((r) => / in /.test(r) && !/interprets/.test(r))) return issue('mta-suspicious-hook');
    const tool = program ? cat.known.find((k) => k.programs.includes(program)) : undefined;
    const owner = program && c.owners.has(program) ? c.owners.get(program) : undefined;
    if (owner !== undefined) fields['package'] = owner;
    if (owner === null) { reasons.push(`${program} is owned by no package`); return issue('mta-suspicious-hook'); }
    if (tool && (owner === undefined || owner === tool.package)) { reasons.push(`${program} is ${tool.tool} (package ${tool.package})`); return issue('mta-known-hook'); }
    if (owner) { reasons.push(`${program} belongs to the package ${owner}`); return issue('mta-packaged-hook'); }
    reasons.push(`${h.point} runs ${program ?? h.value.slice(0, 200)}, which is no known mail filter`);
    return issue('mta-unknown-hook');
  }
  if (h.kind === 'socket') {
    const s = h.socket ?? '';
    fields['socket'] = s;
    const path = socketPath(s);
    const inet = socketInet(s);
    const listener = c.sockets.find((x) => (path && x.local === path) || (inet && x.local.endsWith(`:${inet.port}`)));
    if (listener) fields['listener'] = listener.processes;
    if (!s) { reasons.push(`${h.point} ${h.context ?? ''} has no socket (S=)`); return issue('mta-unknown-hook', 'low'); }
    if (path) { const where = suspicious(path); if (where) { reasons.push(`the milter socket ${path.slice(0, 200)} is in ${where.what}`); return issue('mta-suspicious-hook'); } }
    const tool: KnownTool | undefined = cat.known.find((k) => k.sockets.some((r) => r.test(s)));
    if (tool && listener && listener.processes.length && !listener.processes.some((p) => tool.processes.includes(p))) {
      reasons.push(`the socket ${s} is where ${tool.tool} listens, but ${listener.processes.join(', ')} serves it`);
      return issue('mta-suspicious-hook');
    }
    if (tool) { reasons.push(`${s} is ${tool.tool}'s socket (package ${tool.package})`); return issue('mta-known-hook'); }
    if (inet && !LOOPBACK.test(inet.host)) { reasons.push(`every message goes to the milter at ${inet.host}:${inet.port}, another host`); return issue('mta-unknown-hook'); }
    reasons.push(`${s} is no known milter's socket${listener?.processes.length ? `; ${listener.processes.join(', ')} listens there` : ''}`);
    return issue('mta-unknown-hook');
  }
  // transports: content_filter / FILTER to transport:nexthop
  const t = h.transport ?? h.value;
  const tool = cat.known.find((k) => k.transports.some((r) => r.test(t)));
  if (tool) { reasons.push(`${t} is ${tool.tool}'s filter transport (package ${tool.package})`); return issue('mta-known-hook'); }
  const next = /^[^:]+:(?:\[([^\]]+)\]|([^:\s]+))(?::\d+)?$/.exec(t);
  const nh = next?.[1] ?? next?.[2];
  if (nh && !LOOPBACK.test(nh) && !/^(unix|private|inet)$/i.test(nh)) {
    const privateIp = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|fd|fc)/i.test(nh);
    if (!privateIp && !inOrg(nh.toLowerCase(), org)) { reasons.push(`every message is passed through ${nh.slice(0, 200)}, another host outside the organisation's domains`); return issue('mta-suspicious-hook'); }
    reasons.push(`every message is passed through ${nh.slice(0, 200)}, another host`);
    return issue('mta-unknown-hook');
  }
  reasons.push(`${h.point} passes every message to ${t}, which is no known filter`);
  return issue('mta-unknown-hook');
}
