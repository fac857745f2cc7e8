// A Unix mail server's configuration, gathered file by file from a copied /etc or a collect-mta.sh
// collection: Postfix, Sendmail and Exim files recognised by name and content, the package owners
// and hashes the script records, and every other small text file (lookup tables, filter files are
// found later by the path a configuration names).
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { classifyMtaFile, EXIM_SPLIT_DIR } from '../../sources/mta/classify.js';
import { MAX_CONFIG_BYTES, numberedLines, type MtaProblem, type Setting } from '../../sources/mta/model.js';
import { parseMainCf, parseMasterCf, parsePostconfP, type MasterService, type ServiceOverride } from '../../sources/mta/postfix.js';
import { parseSendmailCf, parseSendmailMc, type SendmailConfig } from '../../sources/mta/sendmail.js';
import { DEBIAN_SPLIT_SECTIONS, parseDebconf, parseEximConfig, parseEximFilter, parseSieveRedirects, type EximConfig, type FilterAction, type TextPart } from '../../sources/mta/exim.js';

/** Other text files kept for lookups (tables, filters), in all and each. */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;
const MAX_KEPT_FILE = 1024 * 1024;

export interface MtaCollection {
  postfixMain: { file: string; settings: Setting[] }[];
  postfixMaster: { file: string; services: MasterService[] }[];
  postfixOverrides: ServiceOverride[];
  sendmail: (SendmailConfig & { file: string })[];
  exim: (EximConfig & { file: string })[];
  eximDebconf: Setting[];
  filters: { file: string; kind: 'exim' | 'sieve'; actions: FilterAction[] }[];
  /** path on the server -> owning package, or null when the collection says no package owns it */
  owners: Map<string, string | null>;
  /** path on the server -> SHA-256 */
  hashes: Map<string, string>;
  /** listening sockets -> the process names ss showed */
  sockets: { local: string; processes: string[] }[];
  host: string | null;
  /** collected name -> text, for lookup tables and filters named by a configuration */
  texts: Map<string, string>;
  files: number;
  problems: MtaProblem[];
}

export function emptyMtaCollection(): MtaCollection {
  return { postfixMain: [], postfixMaster: [], postfixOverrides: [], sendmail: [], exim: [], eximDebconf: [], filters: [], owners: new Map(), hashes: new Map(), sockets: [], host: null, texts: new Map(), files: 0, problems: [] };
}

function readText(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (head.subarray(0, n).includes(0)) return null; // binary: not configuration
  } finally { closeSync(fd); }
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}

export class MtaCollectionBuilder {
  readonly collection = emptyMtaCollection();
  private kept = 0;
  private split = new Map<string, TextPart[]>();

  /** Reads `path` (shown as `name`); true when it is mail-server configuration (then no event log). */
  add(path: string, name = path): boolean {
    const c = this.collection;
    let text: string | null;
    let size: number;
    try {
      size = statSync(path).size;
      if (size > MAX_CONFIG_BYTES) return false;
      text = readText(path);
    } catch { return false; }
    if (text === null) return false;
    const kind = classifyMtaFile(name, text);
    if (kind === null) {
      if (size <= MAX_KEPT_FILE && this.kept + size <= MAX_KEPT_BYTES) { c.texts.set(name, text); this.kept += size; }
      return false;
    }
    c.files++;
    c.texts.set(name, text);
    const take = <R extends { problems: MtaProblem[] }>(r: R): R => { c.problems.push(...r.problems); return r; };
    switch (kind) {
      case 'postfix-main': c.postfixMain.push({ file: name, settings: take(parseMainCf(text, name)).settings }); break;
      case 'postfix-master': c.postfixMaster.push({ file: name, services: take(parseMasterCf(text, name)).services }); break;
      case 'postconf-P': c.postfixOverrides.push(...take(parsePostconfP(text, name)).overrides); break;
      case 'sendmail-mc': c.sendmail.push({ file: name, ...take(parseSendmailMc(text, name)).config }); break;
      case 'sendmail-cf': c.sendmail.push({ file: name, ...take(parseSendmailCf(text, name)).config }); break;
      case 'exim-conf': c.exim.push({ file: name, ...take(parseEximConfig([{ file: name, text }])).config }); break;
      case 'exim-split': {
        const m = EXIM_SPLIT_DIR.exec(name)!;
        const root = name.slice(0, m.index);
        const parts = this.split.get(root) ?? [];
        parts.push({ file: name, text, section: DEBIAN_SPLIT_SECTIONS[m[1]!]! });
        this.split.set(root, parts);
        break;
      }
      case 'exim-debconf': c.eximDebconf.push(...take(parseDebconf(text, name)).settings); break;
      case 'exim-filter': c.filters.push({ file: name, kind: 'exim', actions: take(parseEximFilter(text, name)).actions }); break;
      case 'sieve-filter': c.filters.push({ file: name, kind: 'sieve', actions: parseSieveRedirects(text, name) }); break;
      case 'owners': this.owners(text, name); break;
      case 'sha256':
        for (const { text: l } of numberedLines(text)) { const m = /^([0-9a-f]{64})\s+\*?(\S.*)$/.exec(l); if (m) c.hashes.set(m[2]!, m[1]!); }
        break;
      case 'sockets': this.sockets(text); break;
      case 'collection-info': { const m = /^host=(.+)$/m.exec(text); if (m) c.host = m[1]!.trim().slice(0, 255); break; }
    }
    return true;
  }

  private owners(text: string, file: string): void {
    for (const { text: l, line } of numberedLines(text)) {
      if (l.startsWith('#') || l.trim() === '') continue;
      const [path, owner] = l.split('\t');
      if (!path?.startsWith('/') || owner === undefined) { this.collection.problems.push({ file, line, message: 'expected PATH<TAB>PACKAGE (or -)' }); continue; }
      this.collection.owners.set(path, owner.trim() === '-' || owner.trim() === '' ? null : owner.trim());
    }
  }

  /** `ss -xlpn` / `ss -tlpn`: the local address and users:(("name",pid=…)). */
  private sockets(text: string): void {
    for (const { text: l } of numberedLines(text).slice(1)) {
      const cols = l.trim().split(/\s+/);
      const procs = [...l.matchAll(/\(\("([^"]+)"/g, )].map((m) => m[1]!);
      const more = [...l.matchAll(/\),\("([^"]+)"/g)].map((m) => m[1]!);
      const local = cols.find((c, i) => i >= 3 && (c.startsWith('/') || /:\d+$|:\*$/.test(c) || c.startsWith('@')));
      if (local) this.collection.sockets.push({ local, processes: [...procs, ...more] });
    }
  }

  /** The collection, with Debian split configurations assembled in update-exim4.conf's order. */
  finish(): MtaCollection {
    const order = Object.keys(DEBIAN_SPLIT_SECTIONS);
    for (const [root, parts] of this.split) {
      const dirOf = (p: TextPart) => order.indexOf(Object.entries(DEBIAN_SPLIT_SECTIONS).find(([, s]) => s === p.section)![0]);
      parts.sort((a, b) => dirOf(a) - dirOf(b) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      const r = parseEximConfig(parts);
      this.collection.problems.push(...r.problems);
      this.collection.exim.push({ file: `${root}conf.d`, ...r.config });
    }
    this.split.clear();
    return this.collection;
  }
}

/**
 * The collected text of a file the server names by `serverPath`: a collected file whose name ends
 * with that path (a mirrored tree), else a file of that name beside the configuration that named it
 * (a configuration directory copied on its own, `postconf -c DIR`).
 */
export function findCollected(c: MtaCollection, serverPath: string, beside: string): { name: string; text: string } | null {
  const want = serverPath.replace(/\\/g, '/');
  if (!want.startsWith('/')) return null;
  let best: { name: string; text: string } | null = null;
  for (const [name, text] of c.texts) {
    const n = name.replace(/\\/g, '/').replace(/^.*!/, '/');
    if (n === want || n.endsWith(want)) { if (!best || name.length < best.name.length) best = { name, text }; }
  }
  if (best) return best;
  const base = want.slice(want.lastIndexOf('/') + 1);
  const dir = dirname(beside.replace(/\\/g, '/'));
  for (const [name, text] of c.texts) if (name.replace(/\\/g, '/') === `${dir}/${base}`) return { name, text };
  return null;
}
