// @pmFromFile (alias @pmf): like @pm with phrases read from files (one per line, # comments),
// resolved relative to the rule file. Example: SecRule ARGS "@pmFromFile unix-shell.data" ...
import * as fs from 'fs';
import * as path from 'path';
import { registerOperator } from './registry';
import { phraseOperator } from './pm';

export function readDataFile(dir: string, name: string): string[] {
  const file = path.isAbsolute(name) ? name : path.join(dir, name);
  if (/^https?:/.test(name)) throw new Error(`remote data file ${name} is not supported`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    throw new Error(`cannot read data file ${file}: ${(err as Error).message}`);
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

const factory = (arg: string, ctx: { dir: string }) => {
  const phrases: string[] = [];
  for (const f of arg.split(/\s+/).filter((x) => x !== '')) phrases.push(...readDataFile(ctx.dir, f));
  return phraseOperator('pmFromFile', arg, phrases);
};
registerOperator('pmFromFile', factory);
registerOperator('pmf', factory);
