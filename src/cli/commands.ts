import type { AnyCommand } from './command.js';
import { demoCommand } from './demo.js';
import { recordCommand } from './record.js';
import { wrapCommand } from './wrap.js';
import { redactCommand } from './redact.js';
import { workerCommand } from './worker.js';
import { hostCommand } from './host.js';
import { sessionsCommand } from './sessions.js';
import { showCommand } from './show.js';
import { exportCommand } from './export.js';
import { importCommand } from './import.js';
import { verifyCommand } from './verify.js';
import { replayCommand } from './replay.js';
import { benchCommand } from './bench.js';
import { minimizeCommand } from './minimize.js';
import { conformCommand } from './conform.js';
import { viewCommand } from './view.js';
import { pushCommand } from './push.js';
import { pullCommand } from './pull.js';
import { statsCommand } from './stats.js';
import { pruneCommand } from './prune.js';

/** Every CLI command, in the order `--help` lists them. One line per command file. */
export const commands: AnyCommand[] = [
  demoCommand,
  recordCommand,
  wrapCommand,
  workerCommand,
  hostCommand,
  sessionsCommand,
  showCommand,
  viewCommand,
  exportCommand,
  importCommand,
  verifyCommand,
  replayCommand,
  minimizeCommand,
  redactCommand,
  benchCommand,
  conformCommand,
  pushCommand,
  pullCommand,
  statsCommand,
  pruneCommand,
];
