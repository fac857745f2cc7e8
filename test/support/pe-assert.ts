// Assertions shared by the PE readers' tests.
import assert from 'node:assert/strict';
import { PeError } from '../../src/sources/pe/pe.js';

/** Runs `fn` and returns the PeError it must throw (message matching, offset a whole number). */
export function peError(fn: () => unknown, message: RegExp): PeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PeError, `expected a PeError, got ${(e as Error)?.stack ?? String(e)}`);
    assert.match(e.message, message);
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0);
    return e;
  }
  assert.fail(`expected a PeError matching ${message}`);
}

/** Runs `fn`; anything it throws must be a PeError whose offset lies within the `size`-byte file. */
export function onlyPeError(fn: () => unknown, size: number): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof PeError)) throw new Error(`not a PeError: ${(e as Error)?.stack ?? String(e)}`);
    assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= size, `bad offset ${e.offset} for: ${e.message}`);
  }
}
