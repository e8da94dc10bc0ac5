// The table of SecLang actions. Each action is a file in this folder calling registerAction();
// at load an action configures the rule being built (metadata, flow, disruptive) and/or adds a
// RuntimeAction that runs each time the rule matches (setvar, ctl, ...).
import type { Rule } from '../rule';

export interface ActionContext {
  file: string;
  line: number;
}

export type ActionApply = (rule: Rule, value: string | undefined, ctx: ActionContext) => void;

const table = new Map<string, ActionApply>();

export function registerAction(name: string, apply: ActionApply): void {
  table.set(name.toLowerCase(), apply);
}

export function getAction(name: string): ActionApply | undefined {
  return table.get(name.toLowerCase());
}

export function requireValue(name: string, value: string | undefined): string {
  if (value === undefined || value === '') throw new Error(`action ${name} needs a value`);
  return value;
}
