// Rule regexes (`|re`) run in linear time whatever the input: the Sigma regex is parsed into
// regex-ast's tree, printed in RE2 syntax with the same meaning, and run by re2js (RE2's automaton
// matcher in plain JavaScript: no backtracking, so no value can make a match slow). What RE2 cannot
// run (back references, lookaround) is refused when the rule loads.
import { RE2JS } from 're2js';
import { hasNode, isSingleChar, parseSigmaRegex, RegexDialectError, toRe2, type RNode } from './regex-ast.js';

export class RuleRegexError extends Error {}

/** Compiled programs larger than this are refused (matching cost grows with the program). */
export const MAX_REGEX_PROGRAM = 20_000;

/** A search (unanchored) test for a rule regex; throws RuleRegexError with the reason it cannot run. */
export function compileRuleRegex(source: string, flags: string): (s: string) => boolean {
  let parsed;
  try {
    parsed = parseSigmaRegex(source, flags);
  } catch (e) {
    if (e instanceof RegexDialectError) throw new RuleRegexError(`invalid regular expression: ${e.message.replace(/^regex: /, '')}`);
    throw e;
  }
  const linearOnly = 'tracehound runs rule regexes in linear time (RE2), which has no backtracking';
  if (hasNode(parsed.root, (n) => n.t === 'backref')) throw new RuleRegexError(`regular expression refused: back references (\\1, \\k<name>, (?P=name)) are not supported: ${linearOnly}`);
  if (hasNode(parsed.root, (n) => n.t === 'look')) throw new RuleRegexError(`regular expression refused: lookaround assertions ((?=, (?!, (?<=, (?<!) are not supported: ${linearOnly}`);
  let program: RE2JS;
  try {
    program = RE2JS.compile(toRe2(parsed));
  } catch (e) {
    throw new RuleRegexError(`regular expression refused: ${e instanceof RegexDialectError ? e.message : `RE2: ${(e as Error).message}`}`);
  }
  if (program.programSize() > MAX_REGEX_PROGRAM) throw new RuleRegexError(`regular expression refused: the compiled regex has ${program.programSize()} instructions, over the limit of ${MAX_REGEX_PROGRAM}`);
  // A literal every match contains rejects most values with one indexOf before the automaton runs.
  const lit = requiredLiteral(parsed.root, parsed.flags.i);
  if (!lit) return (s) => program.test(s);
  if (parsed.flags.i) return (s) => s.toLowerCase().includes(lit) && program.test(s);
  return (s) => s.includes(lit) && program.test(s);
}

/** A search test for a regex already in RE2 syntax. */
export function linearRegex(re2: string): (s: string) => boolean {
  const program = RE2JS.compile(re2);
  return (s) => program.test(s);
}

/**
 * The longest run of single characters in the regex's top-level sequence (zero-width assertions
 * between them do not break a run). With the i flag only ASCII characters are kept, lower-cased:
 * without the u flag a non-ASCII character never folds to an ASCII one, so the lower-cased value
 * contains the literal whenever the regex matches.
 */
function requiredLiteral(root: RNode, fold: boolean): string {
  let n = root;
  while (n.t === 'group') n = n.body;
  const items = n.t === 'seq' ? n.items : [n];
  let best = '', cur = '';
  for (const x of items) {
    if (x.t === 'bol' || x.t === 'eos' || x.t === 'pdollar' || x.t === 'wordb') continue;
    const c = x.t === 'set' ? isSingleChar(x.set) : null;
    if (c === null || (fold && c > 0x7f)) { cur = ''; continue; }
    cur += fold ? String.fromCharCode(c).toLowerCase() : String.fromCharCode(c);
    if (cur.length > best.length) best = cur;
  }
  return best;
}

/** Why a rule regex cannot be used (`invalid regular expression: …` or `regular expression refused: …`), or null. */
export function checkRuleRegex(source: string, flags: string): string | null {
  try {
    compileRuleRegex(source, flags);
    return null;
  } catch (e) {
    if (e instanceof RuleRegexError) return e.message;
    throw e;
  }
}
