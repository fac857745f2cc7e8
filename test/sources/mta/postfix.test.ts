// Postfix readers on the shapes postconf(5), master(5), regexp_table(5) and postmap(1) document,
// on Debian's shipped files, and on malformed input (reported with file and line, never thrown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPostfix, parseMainCf, parseMasterCf, parsePostconfP, postfixList } from '../../../src/sources/mta/postfix.js';
import { parseTableSource, parseTableSpec, inlineEntries, checkAction } from '../../../src/sources/mta/postfix-tables.js';
import { classifyMtaFile } from '../../../src/sources/mta/classify.js';
import { POSTFIX_SHARE } from '../../support/mta-packages.js';

test('main.cf: continuation lines, comments, last setting wins, $name expansion with defaults', () => {
  const text = [
    '# comment',
    'myhostname = mx1.example.org',
    'mydomain = example.org',
    'smtpd_milters = inet:localhost:8891,',
    '    unix:/run/opendmarc/opendmarc.sock',
    '  # a comment inside a continuation is skipped',
    'mydestination = $myhostname, localhost.$mydomain, ${mydomain}',
    'relayhost =',
    'smtpd_milters = $(extra)',
  ].join('\n');
  const { settings, problems } = parseMainCf(text, 'main.cf');
  assert.deepEqual(problems, []);
  assert.equal(settings[2]!.value, 'inet:localhost:8891, unix:/run/opendmarc/opendmarc.sock');
  assert.equal(settings[2]!.ref.line, 4);
  assert.equal(settings[4]!.value, '');
  const last = new Map(settings.map((s) => [s.name, s.value]));
  const lookup = (n: string) => last.get(n) ?? ({ extra: 'inet:[::1]:1' } as Record<string, string>)[n];
  assert.equal(expandPostfix(last.get('mydestination')!, lookup), 'mx1.example.org, localhost.example.org, example.org');
  assert.equal(expandPostfix('$smtpd_milters', lookup), 'inet:[::1]:1');
  assert.equal(expandPostfix('${relayhost?x}${relayhost:y}$nosuch', lookup), 'y');
  // a self-reference ends
  assert.equal(typeof expandPostfix('$a', (n) => (n === 'a' ? '$a' : undefined)), 'string');
  assert.deepEqual(postfixList('a, b c,,{ inet:h:1, default_action=accept } d'), ['a', 'b', 'c', '{ inet:h:1, default_action=accept }', 'd']);
});

test('main.cf: bad lines are reported with their line and the rest is read', () => {
  const { settings, problems } = parseMainCf('  orphan continuation\nthis is not a setting\nok = 1\n', 'x/main.cf');
  assert.deepEqual(settings.map((s) => s.name), ['ok']);
  assert.deepEqual(problems.map((p) => [p.file, p.line]), [['x/main.cf', 1], ['x/main.cf', 2]]);
  assert.match(problems[1]!.message, /not a 'name = value' line/);
});

test('master.cf: services, -o overrides (also { } groups), pipe argv and attributes', () => {
  const text = [
    'smtp      inet  n       -       y       -       -       smtpd',
    '  -o content_filter=smtp-amavis:[127.0.0.1]:10024',
    '  -o { smtpd_milters = inet:localhost:8891, inet:localhost:8893 }',
    'submission inet n - y - - smtpd -o syslog_name=postfix/submission',
    'spamassassin unix - n n - - pipe',
    '  user=debian-spamd argv=/usr/bin/spamc -f -e /usr/sbin/sendmail -oi -f ${sender} ${recipient}',
    'policyd-spf unix - n n - 0 spawn user=policyd-spf argv=/usr/bin/policyd-spf',
  ].join('\n');
  const { services, problems } = parseMasterCf(text, 'master.cf');
  assert.deepEqual(problems, []);
  assert.deepEqual(services.map((s) => s.service), ['smtp', 'submission', 'spamassassin', 'policyd-spf']);
  assert.deepEqual(services[0]!.overrides.map((o) => [o.name, o.value]), [['content_filter', 'smtp-amavis:[127.0.0.1]:10024'], ['smtpd_milters', 'inet:localhost:8891, inet:localhost:8893']]);
  assert.equal(services[2]!.attributes['user'], 'debian-spamd');
  assert.deepEqual(services[2]!.argv!.slice(0, 3), ['/usr/bin/spamc', '-f', '-e']);
  assert.deepEqual(services[3]!.argv, ['/usr/bin/policyd-spf']);
});

test('master.cf: malformed lines are reported, not thrown', () => {
  const { services, problems } = parseMasterCf('smtp inet n - y - - smtpd -o { unclosed\nbroken line\nx unix - n n - - pipe flags=R\n', 'm.cf');
  assert.deepEqual(problems.map((p) => p.line), [1, 2, 3]);
  assert.match(problems[0]!.message, /unbalanced \{/);
  assert.match(problems[2]!.message, /pipe service 'x' has no argv=/);
  assert.equal(services.length, 1);
});

test('postconf -P: service/type/name = value', () => {
  const { overrides, problems } = parsePostconfP('smtp/inet/smtpd_milters = unix:/tmp/x.sock\nsubmission/inet/syslog_name = postfix/submission\nnonsense\n', 'postconf-P.txt');
  assert.deepEqual(overrides.map((o) => [o.service, o.type, o.name, o.value]), [['smtp', 'inet', 'smtpd_milters', 'unix:/tmp/x.sock'], ['submission', 'inet', 'syslog_name', 'postfix/submission']]);
  assert.equal(problems[0]!.line, 3);
});

test('lookup tables: specs, key/value sources, pattern tables with if/endif, inline and actions', () => {
  assert.deepEqual(parseTableSpec('hash:/etc/postfix/bcc'), { type: 'hash', name: '/etc/postfix/bcc', file: '/etc/postfix/bcc' });
  assert.deepEqual(parseTableSpec('proxy:lmdb:/etc/postfix/x.lmdb')?.file, '/etc/postfix/x');
  assert.equal(parseTableSpec('static:a@b.example')?.file, null);
  assert.equal(parseTableSpec('/no/type'), null);
  const kv = parseTableSource('# comment\nalice@example.org  archive@example.org\n  , continued\nlonely\n', 'bcc', 'hash');
  assert.deepEqual(kv.entries.map((e) => [e.key, e.value, e.ref.line]), [['alice@example.org', 'archive@example.org , continued', 2]]);
  assert.equal(kv.problems[0]!.line, 4);
  const re = parseTableSource([
    '/^Subject: .*invoice/i  BCC spy@evil.example',
    'if /^From:/',
    '!/example\\.org/  REDIRECT x@y.example',
    'endif',
    '|^To: .*|  FILTER smtp:[10.0.0.1]:25',
    '/unclosed  HOLD',
    '/^X-No-Result:/',
    'endif',
  ].join('\n'), 'header_checks', 'regexp');
  assert.deepEqual(re.entries.map((e) => [e.key, checkAction(e.value).action, checkAction(e.value).arg]), [
    ['/^Subject: .*invoice/i', 'BCC', 'spy@evil.example'], ['!/example\\.org/', 'REDIRECT', 'x@y.example'], ['|^To: .*|', 'FILTER', 'smtp:[10.0.0.1]:25'],
  ]);
  assert.deepEqual(re.problems.map((p) => p.line), [6, 7, 8]);
  assert.deepEqual(inlineEntries('{ a@x=b@y, { c@x = d@y } }', { file: 'f', line: 1 }).map((e) => [e.key, e.value]), [['a@x', 'b@y'], ['c@x', 'd@y']]);
});

test("classification by name and content; Debian's shipped Postfix files", { skip: POSTFIX_SHARE.skip }, () => {
  const main = readFileSync(join(POSTFIX_SHARE.path, 'main.cf.debian'), 'utf8');
  assert.equal(classifyMtaFile('/x/main.cf.debian', main), 'postfix-main');
  assert.equal(classifyMtaFile('/x/pasted.txt', main), 'postfix-main', 'by content alone');
  const r = parseMainCf(main, 'main.cf.debian');
  assert.deepEqual(r.problems, []);
  assert.ok(r.settings.some((s) => s.name === 'smtpd_banner'));
  const masterText = readFileSync(join(POSTFIX_SHARE.path, 'master.cf.dist'), 'utf8');
  assert.equal(classifyMtaFile('/x/copy-of-it', masterText), 'postfix-master');
  const m = parseMasterCf(masterText, 'master.cf.dist');
  assert.deepEqual(m.problems, []);
  assert.ok(m.services.length >= 25);
  assert.deepEqual(m.services.filter((s) => s.command === 'pipe').map((s) => s.service), ['maildrop', 'uucp', 'ifmail', 'bsmtp', 'scalemail-backend', 'mailman']);
  assert.equal(classifyMtaFile('/x/notes.txt', 'hello = world\nthis = that\n'), null);
});
