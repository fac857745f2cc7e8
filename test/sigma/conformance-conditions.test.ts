// Sigma detection conformance, part 3: the condition grammar (rules spec v2.1.0 "Condition") and
// rules that a conforming tool must reject, each with a message naming the problem and a line.
import { type Case, det, runCases, sel } from './conformance-table.js';
import type { Fields } from './conformance-table.js';

/** Four search identifiers a..d, each true when the event has the matching upper-case field = 'y'. */
const ABCD = 'a:\n  A: y\nb:\n  B: y\nc:\n  C: y\nd:\n  D: y';
const cond = (condition: string): string => det(`${ABCD}\ncondition: ${condition}`);
/** An event where the searches named by the letters of `on` hold. */
const on = (letters: string): Fields => Object.fromEntries([...letters].map((l) => [l.toUpperCase(), 'y']));

/** sel1, sel2, filter1, filter2 and _aux (E), for `x of` patterns. */
const OF = 'sel1:\n  A: y\nsel2:\n  B: y\nfilter1:\n  C: y\nfilter2:\n  D: y\n_aux:\n  E: y';
const of = (condition: string): string => det(`${OF}\ncondition: ${condition}`);

const cases: Case[] = [
  // ---- and / or / not ----
  { name: 'and: both true', rule: cond('a and b'), event: on('ab'), expected: true },
  { name: 'and: one false', rule: cond('a and b'), event: on('a'), expected: false },
  { name: 'or: second true', rule: cond('a or b'), event: on('b'), expected: true },
  { name: 'or: both false', rule: cond('a or b'), event: on(''), expected: false },
  { name: 'not: operand false', rule: cond('not a'), event: on('b'), expected: true },
  { name: 'not: operand true', rule: cond('not a'), event: on('a'), expected: false },
  { name: 'and chain of three', rule: cond('a and b and c'), event: on('abc'), expected: true },
  { name: 'or chain of three', rule: cond('a or b or c'), event: on('c'), expected: true },
  { name: 'extra spaces between tokens', rule: cond('a   and    b'), event: on('ab'), expected: true },

  // ---- precedence: or < and < not < x of < () ----
  { name: 'precedence: a or b and c groups as a or (b and c) [a]', rule: cond('a or b and c'), event: on('a'), expected: true },
  { name: 'precedence: a or b and c groups as a or (b and c) [b]', rule: cond('a or b and c'), event: on('b'), expected: false },
  { name: 'precedence: a and b or c groups as (a and b) or c [c]', rule: cond('a and b or c'), event: on('c'), expected: true },
  { name: 'precedence: a and b or c groups as (a and b) or c [a]', rule: cond('a and b or c'), event: on('a'), expected: false },
  { name: 'precedence: not a and b is (not a) and b [none]', rule: cond('not a and b'), event: on(''), expected: false },
  { name: 'precedence: not a and b is (not a) and b [b]', rule: cond('not a and b'), event: on('b'), expected: true },
  { name: 'precedence: not a or b is (not a) or b [ab]', rule: cond('not a or b'), event: on('ab'), expected: true },
  { name: 'precedence: not binds tighter than or [a]', rule: cond('not a or b'), event: on('a'), expected: false },
  { name: 'precedence: a and not b or c [c with b]', rule: cond('a and not b or c'), event: on('bc'), expected: true },

  // ---- parentheses ----
  { name: 'parentheses: (a or b) and c [a only]', rule: cond('(a or b) and c'), event: on('a'), expected: false },
  { name: 'parentheses: (a or b) and c [b and c]', rule: cond('(a or b) and c'), event: on('bc'), expected: true },
  { name: 'parentheses: a and (b or c) [a and c]', rule: cond('a and (b or c)'), event: on('ac'), expected: true },
  { name: 'parentheses: a and (b or c) [a only]', rule: cond('a and (b or c)'), event: on('a'), expected: false },
  { name: 'parentheses: not (a or b) [none]', rule: cond('not (a or b)'), event: on(''), expected: true },
  { name: 'parentheses: not (a or b) [b]', rule: cond('not (a or b)'), event: on('b'), expected: false },
  { name: 'nested parentheses [a c]', rule: cond('((a or b) and (c or d)) and not (a and d)'), event: on('ac'), expected: true },
  { name: 'nested parentheses [a d]', rule: cond('((a or b) and (c or d)) and not (a and d)'), event: on('ad'), expected: false },
  { name: 'nested parentheses [b d]', rule: cond('((a or b) and (c or d)) and not (a and d)'), event: on('bd'), expected: true },
  { name: 'nested parentheses [a b]', rule: cond('((a or b) and (c or d)) and not (a and d)'), event: on('ab'), expected: false },
  { name: 'redundant parentheses around one identifier', rule: cond('((a))'), event: on('a'), expected: true },

  // ---- 1 of / all of ----
  { name: '1 of sel*: one matches', rule: of('1 of sel*'), event: on('b'), expected: true },
  { name: '1 of sel*: only a filter matches', rule: of('1 of sel*'), event: on('c'), expected: false },
  { name: 'all of sel*: all match', rule: of('all of sel*'), event: on('ab'), expected: true },
  { name: 'all of sel*: one fails', rule: of('all of sel*'), event: on('acd'), expected: false },
  { name: '1 of them: a regular identifier matches', rule: of('1 of them'), event: on('d'), expected: true },
  { name: '1 of them: skips identifiers starting with _', rule: of('1 of them'), event: on('e'), expected: false },
  { name: 'all of them: _aux is not required', rule: of('all of them'), event: on('abcd'), expected: true },
  { name: 'all of them: one regular identifier fails', rule: of('all of them'), event: on('abce'), expected: false },
  { name: '1 of _aux*: a pattern starting with _ covers _ identifiers', rule: of('1 of _aux*'), event: on('e'), expected: true },
  { name: '1 of *1: star at the start of the pattern', rule: of('1 of *1'), event: on('c'), expected: true },
  { name: '1 of *1: no identifier ending in 1 matches', rule: of('1 of *1'), event: on('bd'), expected: false },
  { name: '1 of s*1: star in the middle of the pattern', rule: of('1 of s*1'), event: on('a'), expected: true },
  { name: '1 of s*1: the whole identifier must fit the pattern', rule: of('1 of s*1'), event: on('bc'), expected: false },
  { name: 'an _ identifier can be named directly', rule: of('sel1 and _aux'), event: on('ae'), expected: true },
  { name: 'spec: 1 of selection* and not 1 of filter* [selection only]', rule: of('1 of sel* and not 1 of filter*'), event: on('a'), expected: true },
  { name: 'spec: 1 of selection* and not 1 of filter* [filter too]', rule: of('1 of sel* and not 1 of filter*'), event: on('ad'), expected: false },
  { name: 'spec: 1 of selection* and not 1 of filter* [filter only]', rule: of('1 of sel* and not 1 of filter*'), event: on('c'), expected: false },
  { name: 'not 1 of filter*: no filter matches', rule: of('not 1 of filter*'), event: on(''), expected: true },
  { name: 'not 1 of filter*: one filter matches', rule: of('not 1 of filter*'), event: on('d'), expected: false },
  { name: 'not all of sel*: x of binds tighter than not [one]', rule: of('not all of sel*'), event: on('a'), expected: true },
  { name: 'not all of sel*: x of binds tighter than not [both]', rule: of('not all of sel*'), event: on('ab'), expected: false },
  { name: 'all of filter* or sel1', rule: of('all of filter* or sel1'), event: on('cd'), expected: true },
  { name: 'spec: 1 of selection* and keywords is (1 of sel*) and keywords [both]', rule: of('1 of sel* and filter1'), event: on('bc'), expected: true },
  { name: 'spec: 1 of selection* and keywords is (1 of sel*) and keywords [one]', rule: of('1 of sel* and filter1'), event: on('b'), expected: false },
  { name: 'x of inside parentheses', rule: of('sel2 and (1 of filter* or _aux)'), event: on('be'), expected: true },
  { name: 'not 1 of filter* over missing fields (SigmaHQ filter idiom)', rule: det('selection:\n  Image|endswith: evil.exe\nfilter_main:\n  ParentImage|startswith: C:\\Windows\\\nfilter_opt:\n  Signed: true\ncondition: selection and not 1 of filter_*'), event: { Image: 'C:\\x\\evil.exe' }, expected: true },

  // ---- identifiers that contain operator words ----
  { name: 'identifier notepad is not split into not + epad', rule: det('notepad:\n  Image|endswith: notepad.exe\ncondition: notepad'), event: { Image: 'C:\\Windows\\notepad.exe' }, expected: true },
  { name: 'identifier notepad: negative', rule: det('notepad:\n  Image|endswith: notepad.exe\ncondition: notepad'), event: { Image: 'C:\\Windows\\calc.exe' }, expected: false },
  { name: 'not notepad', rule: det('notepad:\n  Image|endswith: notepad.exe\ncondition: not notepad'), event: { Image: 'C:\\Windows\\calc.exe' }, expected: true },
  { name: 'identifier selection_or is one name', rule: det('selection_or:\n  A: y\nnotepad:\n  B: y\ncondition: selection_or and notepad'), event: on('ab'), expected: true },
  { name: 'identifier selection_or: negative', rule: det('selection_or:\n  A: y\nnotepad:\n  B: y\ncondition: selection_or and notepad'), event: on('a'), expected: false },
  { name: 'identifiers order / andromeda / ofensive', rule: det('order:\n  A: y\nandromeda:\n  B: y\nofensive:\n  C: y\ncondition: order or andromeda and ofensive'), event: on('bc'), expected: true },
  { name: 'identifiers order / andromeda / ofensive: negative', rule: det('order:\n  A: y\nandromeda:\n  B: y\nofensive:\n  C: y\ncondition: order or andromeda and ofensive'), event: on('b'), expected: false },
  { name: 'identifier with digits and underscores', rule: det('sel_2024_a:\n  A: y\ncondition: sel_2024_a'), event: on('a'), expected: true },

  // ---- list-valued condition (entries ORed) ----
  { name: 'condition list: first entry holds', rule: det(`${ABCD}\ncondition:\n  - a\n  - b and c`), event: on('a'), expected: true },
  { name: 'condition list: second entry holds', rule: det(`${ABCD}\ncondition:\n  - a\n  - b and c`), event: on('bc'), expected: true },
  { name: 'condition list: no entry holds', rule: det(`${ABCD}\ncondition:\n  - a\n  - b and c`), event: on('b'), expected: false },
  { name: 'condition list: entries with not', rule: det(`${ABCD}\ncondition:\n  - a and not b\n  - d`), event: on('ab'), expected: false },

  // ---- rules a conforming tool must reject ----
  { name: 'reject: unknown modifier', rule: sel('CommandLine|contain: x'), expected: { error: /unknown modifier 'contain'/, line: 6 } },
  { name: 'reject: unknown modifier later in the chain', rule: sel('CommandLine|contains|base46: x'), expected: { error: /unknown modifier 'base46'/, line: 6 } },
  { name: 'reject: invalid regular expression (unclosed group)', rule: sel(`CommandLine|re: '(abc'`), expected: { error: /invalid regular expression/, line: 6 } },
  { name: 'reject: invalid regular expression (unclosed class)', rule: sel(`CommandLine|re: '[a-'`), expected: { error: /invalid regular expression|character class/, line: 6 } },
  { name: 'reject: invalid regular expression (bad quantifier range)', rule: sel(`CommandLine|re: 'a{3,1}'`), expected: { error: /invalid regular expression/, line: 6 } },
  { name: 'reject: regex flag without re', rule: sel('CommandLine|i: x'), expected: { error: /'i'.*'re'/, line: 6 } },
  { name: 'reject: re not first in the chain', rule: sel('CommandLine|contains|re: x'), expected: { error: /'re' must come first/, line: 6 } },
  { name: 'reject: condition names a missing identifier', rule: sel('A: y', 'sel and filter'), expected: { error: /'filter' is not defined/, line: 7 } },
  { name: 'reject: condition names a missing identifier only', rule: sel('A: y', 'selection'), expected: { error: /'selection' is not defined/, line: 7 } },
  { name: 'reject: base64 with a * wildcard', rule: sel(`CommandLine|base64: 'cm*'`), expected: { error: /base64.*wildcards/, line: 6 } },
  { name: 'reject: base64offset with a ? wildcard', rule: sel(`CommandLine|base64offset|contains: 'cm?'`), expected: { error: /base64offset.*wildcards/, line: 6 } },
  { name: 'reject: wide|base64 with a wildcard', rule: sel(`CommandLine|wide|base64: '*cmd'`), expected: { error: /wildcards/, line: 6 } },
  { name: 'reject: exists with a string', rule: sel(`Field|exists: 'true'`), expected: { error: /exists.*boolean/, line: 6 } },
  { name: 'reject: exists with a number', rule: sel('Field|exists: 1'), expected: { error: /exists.*boolean/, line: 6 } },
  { name: 'reject: exists with another modifier', rule: sel('Field|exists|contains: true'), expected: { error: /exists.*only modifier/, line: 6 } },
  { name: "reject: keyword '|exists' without a field", rule: sel(`'|exists': true`), expected: { error: /exists.*field/, line: 6 } },
  { name: 'reject: gt with a non-number', rule: sel('Count|gt: many'), expected: { error: /'gt'.*numeric/, line: 6 } },
  { name: 'reject: lte with an empty string', rule: sel(`Count|lte: ''`), expected: { error: /'lte'.*numeric/, line: 6 } },
  { name: 'reject: time part with a non-integer', rule: sel('UtcTime|hour: morning'), expected: { error: /'hour'.*integer/, line: 6 } },
  { name: 'reject: time part with a fraction', rule: sel('UtcTime|minute: 7.5'), expected: { error: /'minute'.*integer/, line: 6 } },
  { name: 'reject: cidr with a prefix length over 32', rule: sel('DestinationIp|cidr: 10.0.0.0/33'), expected: { error: /not a valid .*network/, line: 6 } },
  { name: 'reject: cidr with a prefix length over 128', rule: sel(`DestinationIp|cidr: '2001:db8::/129'`), expected: { error: /not a valid .*network/, line: 6 } },
  { name: 'reject: cidr that is not an address', rule: sel('DestinationIp|cidr: banana'), expected: { error: /'banana' is not a valid/, line: 6 } },
  { name: 'reject: expand with an undefined placeholder', rule: sel(`User|expand: '%Administrators%'`), expected: { error: /placeholder %Administrators%/, line: 6 } },
  { name: 'reject: null inside a value list', rule: sel('Field:\n  - a\n  - null'), expected: { error: /null/ } },
  { name: 'reject: empty modifier', rule: sel('Field||contains: x'), expected: { error: /empty modifier/, line: 6 } },
  { name: 'reject: upper-case AND', rule: cond('a AND b'), expected: { error: /'AND'.*lower case/, line: 13 } },
  { name: 'reject: upper-case OR', rule: cond('a OR b'), expected: { error: /'OR'.*lower case/, line: 13 } },
  { name: 'reject: upper-case NOT', rule: cond('NOT a'), expected: { error: /'NOT'.*lower case/, line: 13 } },
  { name: 'reject: pipe (aggregation) syntax', rule: sel('A: y', 'sel | count() > 5'), expected: { error: /pipe/, line: 7 } },
  { name: 'reject: 2 of', rule: of('2 of sel*'), expected: { error: /'2 of' is not valid/, line: 15 } },
  { name: 'reject: of without a pattern', rule: of('1 of'), expected: { error: /'of' needs/, line: 15 } },
  { name: 'reject: dangling and', rule: cond('a and'), expected: { error: /expression expected/, line: 13 } },
  { name: 'reject: unclosed parenthesis', rule: cond('(a or b'), expected: { error: /missing '\)'/, line: 13 } },
  { name: 'reject: unopened parenthesis', rule: cond('a or b)'), expected: { error: /unexpected '\)'/, line: 13 } },
  { name: 'reject: two identifiers without an operator', rule: cond('a b'), expected: { error: /unexpected 'b'/, line: 13 } },
  { name: 'reject: empty condition', rule: cond(`''`), expected: { error: /empty condition/, line: 13 } },
  { name: 'reject: missing condition', rule: det('sel:\n  A: y'), expected: { error: /condition/ } },
];

runCases(cases);
