// The T1505.002 response playbook's steps, by their stable ids (data/knowledge/T1505.002.yaml).
import { techniqueContent, type FullContent, type PlaybookStep } from './content.js';

const TECHNIQUE = 'T1505.002';

function playbook(): PlaybookStep[] {
  const c = techniqueContent(TECHNIQUE);
  if (!c || c.kind !== 'full') throw new Error(`tracehound's content for ${TECHNIQUE} is missing or has no playbook`);
  return (c as FullContent).playbook.steps;
}

/** One step (a copy), or null for an unknown id. */
export function playbookStep(id: string): { id: string; phase: string; title: string; text: string; commands: string[] } | null {
  const s = playbook().find((x) => x.id === id);
  return s ? { id: s.id, phase: s.phase, title: s.title, text: s.text, commands: [...s.commands] } : null;
}

/** Every step id, in playbook order (phase by phase). */
export function playbookStepIds(): string[] {
  return playbook().map((s) => s.id);
}
