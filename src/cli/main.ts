// proctap command line: each subcommand lives in cli/commands/<name>.ts and registers itself here.
import { Command, CommanderError } from 'commander';
import { commands } from "./commands";
import { UsageError } from "./usage-error";

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('proctap')
    .description('Process-aware network traffic analysis sensor')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI; usage errors exit 2 with a clear message, as promised in --help. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help/version print and "exit" with code 0; everything else is a usage error.
      process.exit(err.exitCode === 0 ? 0 : 2);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`proctap: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export { UsageError } from "./usage-error";
