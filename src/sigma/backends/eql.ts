// placeholder
import type { Backend } from './types.js';
import type { TargetMapping } from './mapping.js';
export class EqlBackend { constructor(_m: TargetMapping) { throw new Error('not yet'); } }
export type _B = Backend;
