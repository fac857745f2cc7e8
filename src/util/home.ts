// Where tracehound keeps its state: $TRACEHOUND_HOME, else ~/.tracehound.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export function tracehoundHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env['TRACEHOUND_HOME'];
  return home ? resolve(home) : join(homedir(), '.tracehound');
}
