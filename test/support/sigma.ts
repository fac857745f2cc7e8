// Test helpers: compile one rule from YAML text and evaluate it on one event's fields.
import assert from 'node:assert/strict';
import { parseSigmaText } from '../../src/sigma/parse.js';
import { compileDetection } from '../../src/sigma/compile.js';
import { EventView } from '../../src/sigma/event-view.js';
import type { FieldValue } from '../../src/events/model.js';
import type { SigmaRule } from '../../src/sigma/model.js';

export function loadRule(yaml: string): SigmaRule {
  const r = parseSigmaText(yaml, 'test.yml');
  assert.deepEqual(r.errors, [], 'rule should load without errors');
  const rule = r.docs[0];
  assert.ok(rule && rule.type === 'rule', 'expected a detection rule');
  return rule;
}

/** Detection-only: does the rule's condition hold for these fields (logsource ignored)? */
export function matches(yaml: string, fields: Record<string, FieldValue>): boolean {
  return compileDetection(loadRule(yaml).detection)(new EventView(fields));
}

/** A minimal rule around a detection block written as YAML lines (indented by 4). */
export function rule(detection: string): string {
  return `title: t\nlogsource:\n  product: windows\ndetection:\n${detection.replace(/^/gm, '    ')}\n`;
}

/** The errors a rule text produces (messages with positions). */
export function loadErrors(yaml: string, path = 'bad.yml'): { line?: number; col?: number; message: string; rule_id?: string }[] {
  return parseSigmaText(yaml, path).errors;
}

/** A process_creation rule file (level high) with the given selection lines (indented for you). */
export function processCreationRule(title: string, id: string, selection: string, condition = 'selection'): string {
  return [
    `title: ${title}`,
    `id: ${id}`,
    'status: test',
    'logsource:',
    '  product: windows',
    '  category: process_creation',
    'detection:',
    '  selection:',
    ...selection.split('\n').map((l) => `    ${l}`),
    `  condition: ${condition}`,
    'level: high',
    '',
  ].join('\n');
}
