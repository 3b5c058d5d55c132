import { fileURLToPath } from 'node:url';
import { spawnNode } from './proc.js';

/** Run one of bench/lib's child scripts to completion and parse the last JSON line it printed. */
export async function runChildScript<T>(script: string, args: string[], timeoutMs = 300_000): Promise<T> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawnNode([file, ...args]);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  const last = child.stdout().trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    const why = child
      .stderr()
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('    at '))
      .slice(-3)
      .join(' | ');
    throw new Error(`${script} ${args[0] ?? ''} failed (${code ?? signal}): ${why || last}`);
  }
  return JSON.parse(last) as T;
}
