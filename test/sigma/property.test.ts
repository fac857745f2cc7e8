// Property: for generated rules and events, the rule set (compiled matchers + logsource index +
// literal prefilter) finds exactly the matches a plain reference interpreter of the AST finds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { RuleSet } from '../../src/sigma/ruleset.js';
import type { SigmaRule } from '../../src/sigma/model.js';
import type { Event, FieldValue } from '../../src/events/model.js';
import { referenceDetection, referenceLogsource } from '../support/reference.js';

const FIELDS = ['A', 'B', 'Cc', 'cc'];
const chars = fc.constantFrom('a', 'b', 'A', 'B', '-', '/', '\u2013', ' ', '*', '?', '\\', 'x');
const text = fc.array(chars, { maxLength: 5 }).map((a) => a.join(''));
const eventText = fc.array(fc.constantFrom('a', 'b', 'A', 'B', '-', '/', '\u2013', ' ', '*', '?', '\\', 'x', '\n'), { maxLength: 6 }).map((a) => a.join(''));

const REGEXES = ['a', '^a', 'b$', 'a.b', 'A', '[ab]-', 'a|b', '^$', 'x*b', 'ab', 'ab+a', 'ba?b', '[ab]ab', '\\-a', 'a{2}b', 'b{1,2}', '(a|b)ab', 'a\\sb', 'aB'];

/** [key suffix, value arbitrary] */
const itemArb: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constantFrom('', '|contains', '|startswith', '|endswith', '|cased', '|contains|cased', '|windash', '|contains|windash', '|neq', '|contains|neq'),
    fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 }), fc.integer({ min: -2, max: 12 }))),
  fc.tuple(fc.constant('|contains|all'), fc.array(text, { minLength: 2, maxLength: 3 })),
  fc.tuple(fc.constantFrom('|re', '|re|i', '|re|s'), fc.constantFrom(...REGEXES)),
  fc.tuple(fc.constant('|exists'), fc.boolean()),
  fc.tuple(fc.constantFrom('|gt', '|gte', '|lt', '|lte'), fc.integer({ min: -2, max: 12 })),
  fc.tuple(fc.constantFrom('|fieldref', '|fieldref|contains', '|fieldref|endswith'), fc.constantFrom(...FIELDS)),
  fc.tuple(fc.constant(''), fc.constant(null)),
);

const mapArb = fc.uniqueArray(fc.tuple(fc.constantFrom(...FIELDS), itemArb), { minLength: 1, maxLength: 3, selector: (x) => x[0] + x[1][0] })
  .map((entries) => Object.fromEntries(entries.map(([f, [suffix, v]]) => [f + suffix, v])));

const searchArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: mapArb },
  { weight: 1, arbitrary: fc.array(mapArb, { minLength: 2, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(text.filter((t) => t.length > 0), { minLength: 1, maxLength: 3 }) },
);

const NAMES = ['sel1', 'sel2', 'filter_x'];
const condArb: fc.Arbitrary<string> = fc.letrec<{ c: string }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...NAMES, '1 of sel*', 'all of sel*', '1 of them', 'all of them', '1 of filter_*'),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `${a} and ${b}`),
    fc.tuple(tie('c'), tie('c')).map(([a, b]) => `${a} or ${b}`),
    tie('c').map((a) => `not ${a}`),
    tie('c').map((a) => `(${a})`),
  ),
})).c;

const logsourceArb = fc.record({
  product: fc.constantFrom('windows', 'linux'),
  category: fc.option(fc.constantFrom('process_creation', 'image_load'), { nil: undefined }),
  service: fc.option(fc.constantFrom('sysmon', 'security'), { nil: undefined }),
}, { requiredKeys: ['product'] });

const ruleArb = fc.record({
  logsource: logsourceArb,
  sel1: searchArb, sel2: searchArb, filter_x: searchArb,
  condition: condArb,
});

const fieldValueArb: fc.Arbitrary<FieldValue | undefined> = fc.oneof(
  eventText, eventText, fc.integer({ min: -2, max: 12 }), fc.constant(null), fc.array(eventText, { maxLength: 2 }), fc.constant(undefined),
);

const eventArb = fc.record({
  fields: fc.record(Object.fromEntries(FIELDS.map((f) => [f, fieldValueArb]))),
  product: fc.constantFrom('windows', 'linux', undefined),
  service: fc.constantFrom('sysmon', 'security', undefined),
  categories: fc.subarray(['process_creation', 'image_load']),
});

function toEvent(e: { fields: Record<string, FieldValue | undefined>; product: string | undefined; service: string | undefined; categories: string[] }, i: number): Event {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(e.fields)) if (v !== undefined) fields[k] = v;
  const logsource: Event['logsource'] = {};
  if (e.product) logsource.product = e.product;
  if (e.service) logsource.service = e.service;
  if (e.categories.length) { logsource.category = e.categories[0]!; if (e.categories.length > 1) logsource.categories = e.categories; }
  return { ref: { file: 'p', kind: 'jsonl', line: i + 1 }, time: 0, logsource, fields };
}

test('compiled rule set agrees with the reference interpreter', () => {
  let nonTrivial = 0;
  fc.assert(
    fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 6 }), fc.array(eventArb, { minLength: 1, maxLength: 8 }), (rules, events) => {
      const docs = rules.map((r, i) => {
        const { logsource, condition, ...searches } = r;
        return JSON.stringify({ title: `r${i}`, logsource, detection: { ...searches, condition } });
      });
      const parsed = parseSigmaText(docs.join('\n---\n'), 'gen.yml');
      assert.deepEqual(parsed.errors, [], 'generated rules must load');
      const rs = new RuleSet(parsed.docs);
      assert.deepEqual(rs.problems, []);
      const ruleDocs = parsed.docs as SigmaRule[];
      events.forEach((raw, i) => {
        const ev = toEvent(raw, i);
        const got = rs.match(ev).map((h) => h.rule.meta.title).sort();
        const want = ruleDocs.filter((r) => referenceLogsource(r.logsource, ev) && referenceDetection(r.detection, ev.fields)).map((r) => r.meta.title).sort();
        if (want.length) nonTrivial++;
        assert.deepEqual(got, want, `event ${JSON.stringify(ev.fields)} ls ${JSON.stringify(ev.logsource)}`);
      });
    }),
    { numRuns: 400 },
  );
  assert.ok(nonTrivial > 50, `too few matching cases generated (${nonTrivial}) for the property to mean much`);
});
