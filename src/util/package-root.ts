// Files shipped beside the code (data/, rules/, samples/) are found from the package root, whether
// running from src/ through tsx or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'tracehound') return (root = dir);
      } catch { /* keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot locate the tracehound package root');
    dir = up;
  }
}

export function dataPath(...parts: string[]): string {
  return join(packageRoot(), 'data', ...parts);
}
