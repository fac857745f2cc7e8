// A node:test reporter that writes one JSON line per skipped or todo test (name, file, reason);
// scripts/run-tests.mjs reads them back to print what was skipped and why.
export default async function* skipReporter(source) {
  for await (const e of source) {
    if (e.type !== 'test:pass' && e.type !== 'test:fail') continue;
    const d = e.data;
    if (d.skip === undefined && d.todo === undefined) continue;
    const reason = d.skip ?? d.todo;
    yield JSON.stringify({ kind: d.skip !== undefined ? 'skip' : 'todo', name: d.name, file: d.file ?? null, reason: typeof reason === 'string' ? reason : '' }) + '\n';
  }
}
