import { cpus, totalmem, loadavg, release } from 'node:os';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryMB: number;
  node: string;
  kernel: string;
  commit: string;
  /** Uncommitted changes in the tree when the benchmarks ran. */
  dirty: boolean;
  loadAverage: number[];
}

/** Describe where the figures were measured (cpu model from /proc/cpuinfo when os.cpus() is vague). */
export function describeMachine(cwd: string): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => info.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm'))?.[1]?.trim();
    const family = field('cpu family');
    const model = field('model');
    if (family && model) cpuModel = `${cpuModel} (family ${family}, model ${model})`;
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryMB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    kernel: release(),
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
