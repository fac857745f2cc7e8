// Every place a mail server hands a message to something else, from its parsed configuration:
// the inventory the audit judges. Pure: a collection in, hooks (and what could not be followed) out.
import type { LineRef, MtaName, MtaProblem, Setting } from '../../sources/mta/model.js';
import { expandPostfix, postfixList, type MasterService } from '../../sources/mta/postfix.js';
import { checkAction, inlineEntries, parseTableSource, parseTableSpec, type TableEntry } from '../../sources/mta/postfix-tables.js';
import { instanceOption, parseEximFilter, type EximConfig } from '../../sources/mta/exim.js';
import { findCollected, type MtaCollection } from './collection.js';

export type HookKind = 'program' | 'socket' | 'transport' | 'copy' | 'redirect' | 'code' | 'missing';

export interface MtaHook {
  mta: MtaName;
  /** the configuration point: smtpd_milters, content_filter, pipe service, header_checks BCC, system_filter, ... */
  point: string;
  kind: HookKind;
  /** the service, router, transport, filter or table key it belongs to */
  context: string | null;
  /** as written (expanded) */
  value: string;
  /** argv for program hooks */
  argv?: string[];
  socket?: string;
  address?: string;
  /** transport:nexthop for transport hooks */
  transport?: string;
  refs: LineRef[];
}

export interface HookInventory { hooks: MtaHook[]; orgDomains: string[]; host: string | null; problems: MtaProblem[] }

export function hookKey(h: MtaHook): string {
  return `${h.mta}|${h.point}|${h.context ?? ''}|${h.value}`.toLowerCase();
}

/** Shell-like words of a command (quotes kept together), bounded. */
export function commandWords(cmd: string): string[] {
  const out: string[] = [];
  for (const m of cmd.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) { out.push(m[1] ?? m[2] ?? m[3]!); if (out.length >= 64) break; }
  return out;
}

const BCC_PARAMS = ['sender_bcc_maps', 'recipient_bcc_maps'];
const CHECK_PARAMS = ['header_checks', 'mime_header_checks', 'nested_header_checks', 'body_checks', 'smtp_header_checks', 'smtp_mime_header_checks', 'smtp_nested_header_checks', 'smtp_body_checks'];
const MILTER_PARAMS = ['smtpd_milters', 'non_smtpd_milters'];
/** Parameters that name the organisation's own domains. */
const DOMAIN_PARAMS = ['myhostname', 'mydomain', 'mydestination', 'virtual_alias_domains', 'virtual_mailbox_domains', 'relay_domains'];

const sameDir = (a: string, b: string) => a.replace(/[^/\\!]*$/, '') === b.replace(/[^/\\!]*$/, '');

export function inventory(c: MtaCollection, defaults: Record<string, string>): HookInventory {
  const hooks = new Map<string, MtaHook>();
  const problems: MtaProblem[] = [];
  const org = new Set<string>();
  let host = c.host;
  const add = (h: Omit<MtaHook, 'refs'> & { ref: LineRef }) => {
    const { ref, ...rest } = h;
    const k = hookKey({ ...rest, refs: [] });
    const prev = hooks.get(k);
    if (prev) { if (!prev.refs.some((r) => r.file === ref.file && r.line === ref.line)) prev.refs.push(ref); return; }
    hooks.set(k, { ...rest, refs: [ref] });
  };

  // ---- Postfix: each main.cf (or postconf -n) with the master.cf beside it
  const mains = c.postfixMain.length ? c.postfixMain : (c.postfixMaster.length || c.postfixOverrides.length ? [{ file: c.postfixMaster[0]?.file ?? '', settings: [] as Setting[] }] : []);
  for (const main of mains) {
    const last = new Map<string, Setting>();
    for (const s of main.settings) last.set(s.name, s);
    const raw = (n: string) => last.get(n)?.value ?? defaults[n];
    const get = (n: string) => expandPostfix(raw(n) ?? '', raw);
    const refOf = (n: string): LineRef => last.get(n)?.ref ?? { file: main.file, line: 0 };
    const masters = c.postfixMaster.filter((m) => sameDir(m.file, main.file));
    const services = (masters.length ? masters : c.postfixMaster).flatMap((m) => m.services);
    const myhost = get('myhostname');
    if (!host && myhost && !myhost.includes('$')) host = myhost;
    for (const p of DOMAIN_PARAMS) {
      for (const v of postfixList(get(p))) {
        const spec = parseTableSpec(v);
        if (spec) { for (const e of tableEntries(c, spec.type, spec.name, spec.file, main.file, refOf(p), problems, false) ?? []) org.add(e.key.toLowerCase()); }
        else if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(v)) org.add(v.toLowerCase());
      }
    }
    const fromParams = (param: (n: string) => string, ref: (n: string) => LineRef, context: string | null) => {
      const transport = (spec: string, point: string, r: LineRef, ctx: string | null) => {
        const t = spec.trim();
        if (t === '') return;
        const name = t.split(':')[0]!;
        const svc = services.find((s) => s.service === name && s.type === 'unix');
        if (svc?.argv) add({ mta: 'postfix', point, kind: 'program', context: ctx ?? svc.service, value: svc.argv.join(' '), argv: svc.argv, ref: r });
        else add({ mta: 'postfix', point, kind: 'transport', context: ctx, value: t, transport: t, ref: r });
      };
      transport(param('content_filter'), 'content_filter', ref('content_filter'), context);
      for (const p of MILTER_PARAMS) for (const m of postfixList(param(p))) {
        const sock = m.replace(/^\{\s*/, '').replace(/\s*\}$/, '').split(/[\s,]+/)[0]!;
        if (sock) add({ mta: 'postfix', point: p, kind: 'socket', context, value: sock, socket: sock, ref: ref(p) });
      }
      const bcc = param('always_bcc').trim();
      if (bcc) add({ mta: 'postfix', point: 'always_bcc', kind: 'copy', context, value: bcc, address: bcc, ref: ref('always_bcc') });
      const mc = param('mailbox_command').trim();
      if (mc) add({ mta: 'postfix', point: 'mailbox_command', kind: 'program', context, value: mc, argv: commandWords(mc), ref: ref('mailbox_command') });
      // mime_ and nested_header_checks default to $header_checks: one table is read once, under the first name
      const seenTables = new Set<string>();
      for (const p of [...BCC_PARAMS, ...CHECK_PARAMS]) for (const v of postfixList(param(p))) {
        if (seenTables.has(v)) continue;
        seenTables.add(v);
        const spec = parseTableSpec(v);
        if (!spec) { problems.push({ ...ref(p), message: `${p}: '${v.slice(0, 80)}' is not a type:name table` }); continue; }
        const entries = tableEntries(c, spec.type, spec.name, spec.file, main.file, ref(p), problems, true);
        if (entries === null) {
          add({ mta: 'postfix', point: p, kind: 'missing', context, value: v, ref: ref(p) });
          continue;
        }
        for (const e of entries) {
          if (BCC_PARAMS.includes(p)) { add({ mta: 'postfix', point: p, kind: 'copy', context: e.key, value: e.value, address: e.value, ref: e.ref }); continue; }
          const a = checkAction(e.value);
          if (a.action === 'BCC') add({ mta: 'postfix', point: `${p} BCC`, kind: 'copy', context: e.key, value: a.arg, address: a.arg, ref: e.ref });
          else if (a.action === 'REDIRECT') add({ mta: 'postfix', point: `${p} REDIRECT`, kind: 'redirect', context: e.key, value: a.arg, address: a.arg, ref: e.ref });
          else if (a.action === 'FILTER') transport(a.arg, `${p} FILTER`, e.ref, e.key);
        }
      }
    };
    fromParams(get, refOf, null);
    // per-service overrides (-o in master.cf, postconf -P) replace the main.cf value for that service
    const overrides = new Map<string, { settings: Map<string, Setting> }>();
    for (const s of services) overrides.set(`${s.service}/${s.type}`, { settings: new Map(s.overrides.map((o) => [o.name, o])) });
    for (const o of c.postfixOverrides) {
      const k = `${o.service}/${o.type}`;
      if (!overrides.has(k)) overrides.set(k, { settings: new Map() });
      overrides.get(k)!.settings.set(o.name, o);
    }
    for (const [svc, { settings }] of overrides) {
      if (settings.size === 0) continue;
      const own = (n: string) => settings.has(n) ? expandPostfix(settings.get(n)!.value, raw) : '';
      fromParams(own, (n) => settings.get(n)?.ref ?? refOf(n), svc);
    }
    for (const s of services) pipeService(s, add);
  }

  // ---- Sendmail milters
  for (const s of c.sendmail) for (const f of s.filters) {
    add({ mta: 'sendmail', point: f.macro === 'X' ? 'X (mail filter)' : f.macro, kind: 'socket', context: f.name, value: f.socket ?? '', ...(f.socket ? { socket: f.socket } : {}), ref: f.ref });
  }

  // ---- Exim
  for (const s of c.eximDebconf) {
    if (['dc_other_hostnames', 'dc_relay_domains', 'dc_readhost'].includes(s.name)) for (const d of s.value.split(/[:;\s]+/)) if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(d)) org.add(d.toLowerCase());
  }
  for (const x of c.exim) eximHooks(c, x, add, org, problems);
  for (const f of c.filters) filterHooks(f.kind === 'exim' ? 'exim' : 'sieve', f.file, f.actions, add);

  return { hooks: [...hooks.values()], orgDomains: [...org].sort(), host, problems };
}

type Add = (h: Omit<MtaHook, 'refs'> & { ref: LineRef }) => void;

function pipeService(s: MasterService, add: Add): void {
  if (!s.argv || (s.command !== 'pipe' && s.command !== 'spawn')) return;
  add({ mta: 'postfix', point: `master.cf ${s.command} service`, kind: 'program', context: s.service, value: s.argv.join(' '), argv: s.argv, ref: s.ref });
}

function tableEntries(c: MtaCollection, type: string, name: string, file: string | null, beside: string, ref: LineRef, problems: MtaProblem[], report: boolean): TableEntry[] | null {
  if (type === 'static') return [{ key: '*', value: name.replace(/^\{\s*|\s*\}$/g, ''), ref }];
  if (type === 'inline') return inlineEntries(name, ref);
  if (!file) { if (report) problems.push({ ...ref, message: `table ${type}:${name.slice(0, 120)} is not a file the audit can read; its entries are not known` }); return null; }
  const found = findCollected(c, file, beside);
  if (!found) { if (report) problems.push({ ...ref, message: `table ${type}:${file.slice(0, 200)} is not in the collection; its entries are not known` }); return null; }
  const r = parseTableSource(found.text, found.name, type);
  problems.push(...r.problems);
  return r.entries;
}

function eximHooks(c: MtaCollection, x: EximConfig & { file: string }, add: Add, org: Set<string>, problems: MtaProblem[]): void {
  for (const o of x.main) {
    if (o.name === 'system_filter') {
      add({ mta: 'exim', point: 'system_filter', kind: 'code', context: null, value: o.value, ref: o.ref });
      const f = findCollected(c, o.value, x.file);
      if (!f) problems.push({ ...o.ref, message: `system filter ${o.value.slice(0, 200)} is not in the collection; its actions are not known` });
      else if (!c.filters.some((y) => y.file === f.name)) { const r = parseEximFilter(f.text, f.name); problems.push(...r.problems); filterHooks('exim', f.name, r.actions, add); }
    } else if (o.name === 'perl_startup') add({ mta: 'exim', point: 'perl_startup', kind: 'code', context: null, value: o.value, ref: o.ref });
    else if (/^(local_domains|relay_to_domains)$/.test(o.name) || /^domainlist\s/.test(o.name)) {
      for (const d of o.value.split(':')) if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(d.trim())) org.add(d.trim().toLowerCase());
    }
  }
  // `domainlist local_domains = a : b` is not an option line; read it from the lines
  for (const l of x.lines) {
    const m = /^domainlist\s+(local_domains|relay_to_domains)\s*=\s*(.*)$/.exec(l.text);
    if (m) for (const d of m[2]!.split(':')) if (/^[a-z0-9.-]+\.[a-z0-9-]+$/i.test(d.trim())) org.add(d.trim().toLowerCase());
    for (const r of l.text.matchAll(/\$\{run(?:,[a-z]+)*\s*\{([^}]*)\}/g)) add({ mta: 'exim', point: '${run} expansion', kind: 'program', context: l.section, value: r[1]!.trim(), argv: commandWords(r[1]!), ref: l.ref });
    for (const r of l.text.matchAll(/\$\{perl\s*\{([^}]*)\}/g)) add({ mta: 'exim', point: '${perl} expansion', kind: 'code', context: l.section, value: r[1]!.trim(), ref: l.ref });
  }
  if (x.sections.includes('local_scan')) add({ mta: 'exim', point: 'local_scan', kind: 'code', context: null, value: 'begin local_scan', ref: { file: x.file, line: 0 } });
  for (const i of x.instances) {
    const driver = instanceOption(i, 'driver')?.value;
    if (i.section === 'transports') {
      const tf = instanceOption(i, 'transport_filter');
      if (tf) add({ mta: 'exim', point: 'transport_filter', kind: 'program', context: i.name, value: tf.value, argv: commandWords(tf.value), ref: tf.ref });
      const cmd = instanceOption(i, 'command');
      if (driver === 'pipe' && cmd) add({ mta: 'exim', point: 'pipe transport', kind: 'program', context: i.name, value: cmd.value, argv: commandWords(cmd.value), ref: cmd.ref });
    } else if (i.section === 'routers' && driver === 'redirect') {
      const data = instanceOption(i, 'data');
      const unseen = instanceOption(i, 'unseen');
      if (!data) continue;
      // literal addresses only: ${lookup…} data is the alias and forward machinery
      for (const a of data.value.split(/[,:\s]+/)) {
        if (!/^[^\s@${}]+@[a-z0-9.-]+$/i.test(a)) continue;
        const copy = !!unseen && unseen.value !== 'false';
        add({ mta: 'exim', point: copy ? 'unseen redirect router' : 'redirect router', kind: copy ? 'copy' : 'redirect', context: i.name, value: a, address: a, ref: data.ref });
      }
    }
  }
}

function filterHooks(kind: 'exim' | 'sieve', file: string, actions: { verb: string; arg: string; unseen: boolean; ref: LineRef }[], add: Add): void {
  for (const a of actions) {
    if (a.verb === 'deliver' || a.verb === 'redirect') add({ mta: 'exim', point: `${kind} filter ${a.unseen ? 'unseen ' : ''}${a.verb}`, kind: a.unseen ? 'copy' : 'redirect', context: file, value: a.arg, address: a.arg, ref: a.ref });
    else if (a.verb === 'pipe') add({ mta: 'exim', point: `${kind} filter pipe`, kind: 'program', context: file, value: a.arg, argv: commandWords(a.arg), ref: a.ref });
  }
}
