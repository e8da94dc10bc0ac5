// The table of subcommands. Adding a command: one file in this folder and one line here.
import type { Command } from 'commander';

import { register as capture } from './capture';
import { register as incidents } from './incidents';
import { register as status } from './status';
import { register as config } from './config';
import { register as mask } from './mask';
import { register as rule } from './rule';
import { register as replay } from './replay';
import { register as agent } from './agent';
import { register as demo } from './demo';
import { register as rules } from './rules';
import { register as wafEval } from './waf-eval';
import { register as pcapInfo } from './pcap-info';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [
  capture,
  incidents,
  status,
  config,
  mask,
  rule,
  replay,
  agent,
  demo,
  rules,
  wafEval,
  pcapInfo,
];
