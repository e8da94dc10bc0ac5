// The table of subcommands. Adding a command: one file in this folder and one line here.
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
