// The table of SecLang transformations (t:xxx). Each one is a file in this folder that calls
// registerTransformation(); a transformation maps a latin1 string to a latin1 string.

export type TransformFn = (input: string) => string;

export interface Transformation {
  name: string;
  fn: TransformFn;
}

const table = new Map<string, Transformation>();

export function registerTransformation(name: string, fn: TransformFn): void {
  table.set(name.toLowerCase(), { name, fn });
}

export function getTransformation(name: string): Transformation | undefined {
  return table.get(name.toLowerCase());
}
