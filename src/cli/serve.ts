// tracehound serve [--db FILE] [--port N] [--host 127.0.0.1] [--store DIR]
import { EXIT, UsageError, parse } from './args.js';
import { CaseStoreError } from '../cases/store.js';
import { ServeError, isLoopback, startServer } from '../web/server.js';

export const SERVE_HELP = `usage: tracehound serve [options]

The local web UI: findings with filters, timeline and triage (state, notes, playbook checklist),
hunts (start one on a folder of this machine and follow it live), the rule catalogue with each
rule as Sigma, KQL, SPL, ES|QL, EQL and SQL, and the technique page. Prints one line with the URL
to open (it carries a random token that changes at every start).

  --db FILE          the case store (default: $TRACEHOUND_HOME/cases.db, else ~/.tracehound/cases.db)
  --port N           port to listen on (default 8765; 0 picks a free one)
  --host ADDR        address to bind (default 127.0.0.1; loopback only unless --allow-remote)
  --allow-remote     allow a --host that is not loopback (anyone who gets the URL sees the evidence)
  --store DIR        the ATT&CK store folder (default: as 'tracehound attack import')
  --analyst NAME     name recorded with triage changes (default: $USER)`;

export async function serveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    db: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' }, 'allow-remote': { type: 'boolean' },
    store: { type: 'string' }, analyst: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  });
  if (values.help) { process.stdout.write(SERVE_HELP + '\n'); return EXIT.ok; }
  if (positionals.length) throw new UsageError(`serve takes no arguments; got '${positionals[0]}'`);
  let port = 8765;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port must be 0 to 65535; got '${values.port}'`);
    port = Number(values.port);
  }
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host)) {
    if (!values['allow-remote']) throw new UsageError(`--host ${host} is not a loopback address: the UI shows evidence and starts hunts; add --allow-remote to serve other machines anyway`);
    process.stderr.write(`tracehound: warning: serving on ${host}, reachable from other machines; anyone with the URL (token) can read the case store and start hunts\n`);
  }
  let web;
  try {
    web = await startServer({ port, host, allowRemote: !!values['allow-remote'], ...(values.db !== undefined ? { db: values.db } : {}), ...(values.store !== undefined ? { store: values.store } : {}), ...(values.analyst !== undefined ? { analyst: values.analyst } : {}) });
  } catch (e) {
    if (e instanceof ServeError || e instanceof CaseStoreError) throw new UsageError(e.message);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${host}:${port}: ${err.message}`);
    throw e;
  }
  process.stdout.write(`tracehound serving at ${web.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => { void web.close().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return EXIT.ok;
}
