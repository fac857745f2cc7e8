// Where the shared corpora are, and a clear skip when they are absent.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED = resolve(fileURLToPath(import.meta.url), '../../../../shared');
export const CORPORA = join(SHARED, 'corpora');
export const HAVE_CORPORA = existsSync(join(CORPORA, 'README.md'));
export const SKIP_NO_CORPORA = HAVE_CORPORA ? false : `../shared/corpora is absent (expected at ${CORPORA})`;
