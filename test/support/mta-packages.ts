// Debian's shipped mail-server configurations (postfix, sendmail-cf, exim4-config), extracted by
// .ci/run (apt-get download + dpkg-deb -x) into TRACEHOUND_DEB_ROOT; tests skip with the reason when
// a package's files are absent. The installed postfix (for the end-to-end test) is found on PATH.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const DEB_ROOT = process.env['TRACEHOUND_DEB_ROOT'] ?? '/tmp/tracehound-debs/root';

function have(rel: string, pkg: string): { path: string; skip: false } | { path: string; skip: string } {
  const path = join(DEB_ROOT, rel);
  return existsSync(path) ? { path, skip: false } : { path, skip: `${pkg} files absent (${path}); .ci/run extracts the Debian package there, or set TRACEHOUND_DEB_ROOT` };
}

export const POSTFIX_SHARE = (() => {
  const installed = '/usr/share/postfix/main.cf.debian';
  return existsSync(installed) ? { path: '/usr/share/postfix', skip: false as const } : have('usr/share/postfix', 'postfix');
})();
export const SENDMAIL_CF = have('usr/share/sendmail/cf', 'sendmail-cf');
export const EXIM_CONFIG = have('etc/exim4', 'exim4-config');

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
export const POSTCONF = which('postconf');
export const M4 = which('m4');
export const SKIP_NO_POSTFIX = POSTCONF && existsSync('/etc/postfix/master.cf') && existsSync('/usr/share/postfix/main.cf.debian') ? false : 'Postfix is not installed (postconf, /etc/postfix/master.cf); .ci/run installs it';
