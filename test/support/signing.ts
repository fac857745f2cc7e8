// Real Authenticode signing for tests: a throw-away PKI made with openssl, DLLs compiled with mcs and
// signed (and cross-checked) with osslsigncode. No timestamp server is used: the tests run offline.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OSSLSIGNCODE = '/usr/bin/osslsigncode';
const OPENSSL = '/usr/bin/openssl';
const MCS = '/usr/bin/mcs';

const missing = [OSSLSIGNCODE, OPENSSL, MCS].filter((p) => !existsSync(p));
export const SKIP_NO_SIGNING: string | false = missing.length
  ? `signing tools missing: ${missing.join(', ')} (apt-get install osslsigncode openssl mono-mcs)`
  : false;

export interface TestPki {
  dir: string;
  rootPem: string;
  rootDer: Uint8Array;
  leafCertPem: string;
  leafKeyPem: string;
  /** a second, unrelated root + leaf (someone else) */
  otherRootDer: Uint8Array;
  otherLeafCertPem: string;
  otherLeafKeyPem: string;
}

function run(cmd: string, args: string[], cwd?: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function derOf(pemPath: string): Uint8Array {
  return new Uint8Array(execFileSync(OPENSSL, ['x509', '-in', pemPath, '-outform', 'DER']));
}

/** A root CA and a code-signing leaf it issued, all files under dir/<name>-*. */
function makePair(dir: string, name: string): { rootPem: string; leafCertPem: string; leafKeyPem: string } {
  const p = (f: string) => join(dir, `${name}-${f}`);
  writeFileSync(p('root.cnf'), [
    '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = v3_ca',
    '[dn]', `CN = Tracehound Test Root (${name})`, 'O = Tracehound Tests',
    '[v3_ca]', 'basicConstraints = critical, CA:true', 'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash', '',
  ].join('\n'));
  writeFileSync(p('leaf.ext'), [
    'basicConstraints = CA:false', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = codeSigning',
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
  ].join('\n'));
  run(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-config', p('root.cnf'),
    '-keyout', p('root.key'), '-out', p('root.pem')]);
  run(OPENSSL, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=Tracehound Test Publisher (${name})/O=Tracehound Tests`,
    '-keyout', p('leaf.key'), '-out', p('leaf.csr')]);
  run(OPENSSL, ['x509', '-req', '-in', p('leaf.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'), '-CAcreateserial',
    '-sha256', '-days', '825', '-extfile', p('leaf.ext'), '-out', p('leaf.pem')]);
  return { rootPem: p('root.pem'), leafCertPem: p('leaf.pem'), leafKeyPem: p('leaf.key') };
}

/** Throw-away root CA + code-signing leaf (EKU codeSigning), RSA 2048, SHA-256; and another unrelated pair. */
export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const mine = makePair(dir, 'test');
  const other = makePair(dir, 'other');
  return {
    dir,
    rootPem: mine.rootPem,
    rootDer: derOf(mine.rootPem),
    leafCertPem: mine.leafCertPem,
    leafKeyPem: mine.leafKeyPem,
    otherRootDer: derOf(other.rootPem),
    otherLeafCertPem: other.leafCertPem,
    otherLeafKeyPem: other.leafKeyPem,
  };
}

/** A certificate and key issued by the test root, files under pki.dir/<name>-*. */
function issue(pki: TestPki, name: string, cn: string, eku: string, days: number): { certPem: string; keyPem: string } {
  const p = (f: string) => join(pki.dir, `${name}-${f}`);
  writeFileSync(p('ext'), [
    'basicConstraints = CA:false', 'keyUsage = critical, digitalSignature', `extendedKeyUsage = ${eku}`,
    'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid', '',
  ].join('\n'));
  run(OPENSSL, ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-subj', `/CN=${cn}/O=Tracehound Tests`, '-keyout', p('key.pem'), '-out', p('csr.pem')]);
  run(OPENSSL, ['x509', '-req', '-in', p('csr.pem'), '-CA', pki.rootPem, '-CAkey', join(pki.dir, 'test-root.key'), '-CAcreateserial',
    '-sha256', '-days', String(days), '-extfile', p('ext'), '-out', p('cert.pem')]);
  return { certPem: p('cert.pem'), keyPem: p('key.pem') };
}

/** A time-stamping certificate (critical EKU timeStamping) issued by the test root, for osslsigncode's built-in TSA. */
export function makeTsaCert(pki: TestPki): { certPem: string; keyPem: string } {
  return issue(pki, 'tsa', 'Tracehound Test TSA', 'critical, timeStamping', 825);
}

/** Another leaf issued by the test root: a short validity, or an extended key usage other than code signing. */
export function issueLeaf(pki: TestPki, name: string, opts: { days?: number; eku?: string } = {}): { certPem: string; keyPem: string } {
  return issue(pki, name, `Tracehound Test Publisher (${name})`, opts.eku ?? 'codeSigning', opts.days ?? 825);
}

export interface SignOptions {
  hash?: 'sha1' | 'sha256';
  /** add the signature as a nested one (SPC_NESTED_SIGNATURE) to an already signed input */
  nest?: boolean;
  /** an RFC 3161 timestamp from osslsigncode's built-in TSA, at `time` (unix seconds) */
  tsa?: { cert: string; key: string; time: number };
}

/** osslsigncode sign -certs -key -h -in -out (no timestamp server: no network). */
export function signPe(input: string, output: string, cert: string, key: string, opts: SignOptions = {}): void {
  const args = ['sign', '-certs', cert, '-key', key, '-h', opts.hash ?? 'sha256', '-n', 'tracehound test'];
  if (opts.nest) args.push('-nest');
  if (opts.tsa) args.push('-TSA-certs', opts.tsa.cert, '-TSA-key', opts.tsa.key, '-TSA-time', String(opts.tsa.time));
  run(OSSLSIGNCODE, [...args, '-in', input, '-out', output]);
}

/** osslsigncode verify [-CAfile] (the CA file also anchors timestamps); verified when it exits 0 having verified a signature. */
export function osslVerify(path: string, caPemFile?: string): { verified: boolean; output: string } {
  const args = ['verify', ...(caPemFile ? ['-CAfile', caPemFile, '-TSA-CAfile', caPemFile] : []), '-in', path];
  const r = spawnSync(OSSLSIGNCODE, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`;
  return { verified: r.status === 0 && /Signature verification: ok/.test(output), output };
}

const DEFAULT_SOURCE = `
namespace Tracehound.Tests {
  public class Agent {
    public string Name { get { return "test agent"; } }
    public int Add(int a, int b) { return a + b; }
  }
}
`;

/** A tiny C# class library compiled with `mcs -target:library`; returns the DLL's path. */
export function compileLibrary(dir: string, name: string, source: string = DEFAULT_SOURCE): string {
  mkdirSync(dir, { recursive: true });
  const cs = join(dir, `${name}.cs`);
  const dll = join(dir, `${name}.dll`);
  writeFileSync(cs, source);
  run(MCS, ['-target:library', '-nologo', `-out:${dll}`, cs]);
  readFileSync(dll); // fail here, not later, when mcs wrote nothing
  return dll;
}
