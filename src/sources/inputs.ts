// Evidence paths -> the files to read, recursively, in a stable order.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface InputFiles { files: string[]; unreadable: { path: string; reason: string }[] }

export function listInputs(paths: string[]): InputFiles {
  const out: InputFiles = { files: [], unreadable: [] };
  const walk = (p: string, top: boolean) => {
    let st;
    try { st = statSync(p); } catch (e) {
      if (top) out.unreadable.push({ path: p, reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try { names = readdirSync(p).sort(); } catch (e) {
        out.unreadable.push({ path: p, reason: `cannot list: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
        return;
      }
      for (const n of names) if (!n.startsWith('.')) walk(join(p, n), false);
    } else if (st.isFile()) out.files.push(p);
  };
  for (const p of paths) walk(p, true);
  return out;
}
