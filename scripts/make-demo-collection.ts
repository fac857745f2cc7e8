// Writes the audit collection of the demo server EXCH01 after a LightNeuron-style intrusion: the
// layout scripts/collect-exchange.ps1 produces, without the DLL copies (the manifest lists them).
import { rmSync } from 'node:fs';
import { MAILBOX_2019, LIGHTNEURON_AGENT, ROOT, writeCollection } from '../test/support/exchange-collection.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: make-demo-collection.ts DIR');
rmSync(dir, { recursive: true, force: true });
writeCollection(dir, {
  role: 'Mailbox',
  agents: [...MAILBOX_2019, LIGHTNEURON_AGENT],
  manifest: [
    { path: LIGHTNEURON_AGENT.assemblyPath, sha256: '38c53b411dde5b09e600c47267fe7297342bf687b5eb8a020a270d015fc4e6c3', modified: '2026-11-10T10:06:44.0000000Z' },
    { path: `${ROOT}Bin\\exdbdata.dll`, sha256: 'b8af645791bb2f6a8d72ec87396caebb2a38874701fa4c2a1ac96f92f6037161', modified: '2026-11-10T10:07:52.0000000Z' },
    { path: `${ROOT}Bin\\winmail.dat`, modified: '2026-11-10T10:08:30.0000000Z' },
  ],
});
