// Table runner for the Sigma detection conformance suite (conformance-*.test.ts).
// Each row is one case: a rule, an event and the expected result (true/false), or a rejection.
// The expectations are written from the Sigma specification v2.1.0 (rules spec + modifiers appendix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadErrors, matches, rule } from '../support/sigma.js';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { compileDetection } from '../../src/sigma/compile.js';
import { EventView } from '../../src/sigma/event-view.js';
import type { FieldValue } from '../../src/events/model.js';

export type Fields = Record<string, FieldValue>;

/** The rule must not load; its first error must match `error` (and sit on `line` when given). */
export interface Rejected { error: RegExp; line?: number }

export interface Case {
  name: string;
  rule: string;
  /** Not used by rejection rows. */
  event?: Fields;
  expected: boolean | Rejected;
  /** Values for `%name%` placeholders under `|expand` (a tool that knows them). */
  placeholders?: Record<string, string[]>;
}

function indent(text: string, by: string): string {
  return text.replace(/^/gm, by);
}

/**
 * A rule with one search identifier `sel` whose body is `body` (YAML lines, written at column 0),
 * and condition `sel` unless told otherwise. The body starts on line 6 of the rule text.
 */
export function sel(body: string, condition = 'sel'): string {
  return rule(`sel:\n${indent(body, '  ')}\ncondition: ${condition}`);
}

/** A rule from a whole detection block (search identifiers and condition, written at column 0). */
export function det(detection: string): string {
  return rule(detection);
}

/** Base64 of a text's UTF-8 bytes. */
export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
/** Base64 of a text's UTF-16LE bytes. */
export const b64w = (s: string): string => Buffer.from(s, 'utf16le').toString('base64');

function evaluate(c: Case): boolean {
  if (!c.placeholders) return matches(c.rule, c.event ?? {});
  const table = c.placeholders;
  const r = parseSigmaText(c.rule, 'conformance.yml', { placeholders: { get: (n) => table[n] } });
  assert.deepEqual(r.errors, [], 'rule should load without errors');
  const doc = r.docs[0];
  assert.ok(doc && doc.type === 'rule', 'expected a detection rule');
  return compileDetection(doc.detection)(new EventView(c.event ?? {}));
}

export function runCases(cases: readonly Case[]): void {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`duplicate conformance case name: ${c.name}`);
    names.add(c.name);
    test(c.name, () => {
      const exp = c.expected;
      if (typeof exp === 'boolean') {
        assert.equal(evaluate(c), exp, `expected the rule to ${exp ? 'match' : 'not match'} ${JSON.stringify(c.event)}`);
        return;
      }
      const errs = loadErrors(c.rule);
      assert.ok(errs.length > 0, 'the rule must be rejected');
      const e = errs[0]!;
      assert.match(e.message, exp.error);
      assert.equal(typeof e.line, 'number', `error without a line number: ${e.message}`);
      if (exp.line !== undefined) assert.equal(e.line, exp.line, `error line for: ${e.message}`);
      else assert.ok(e.line! >= 4, `error line ${e.line} is outside the detection block`);
    });
  }
}
