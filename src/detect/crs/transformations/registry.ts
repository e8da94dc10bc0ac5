// The table of SecLang transformations (t:xxx). Each one is a file in this folder that calls
// registerTransformation(); a transformation maps a latin1 string to a latin1 string.

export type TransformFn = (input: string) => string;

export interface Transformation {
  name: string;
  fn: TransformFn;
  /** Small dense number: the slot of this step in TValue.steps. */
  id: number;
}

const table = new Map<string, Transformation>();

export function registerTransformation(name: string, fn: TransformFn): void {
  const prev = table.get(name.toLowerCase());
  table.set(name.toLowerCase(), { name, fn, id: prev ? prev.id : table.size });
}

export function getTransformation(name: string): Transformation | undefined {
  return table.get(name.toLowerCase());
}
