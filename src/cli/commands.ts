import type { FunctapeCommand } from './command.js';
import { recordCommand } from './record.js';
import { redactCommand } from './redact.js';
import { workerCommand } from './worker.js';
import { hostCommand } from './host.js';

/** Every CLI command, in the order `--help` lists them. One line per command file. */
export const commands: FunctapeCommand[] = [
  recordCommand,
  workerCommand,
  hostCommand,
  redactCommand,
];
