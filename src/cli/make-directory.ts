import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` that always ends: creates the missing directories of `dir` one level at a
 * time and throws the first error (ENOENT, ENOTDIR, EACCES, ...). Node's own
 * `mkdirSync(dir, { recursive: true })` spins forever, at full CPU and deaf to signals,
 * when a parent exists but cannot hold children (under /proc, or through a dangling
 * symlink): mkdir of the child says ENOENT, of the parent EEXIST, and it retries. Here each
 * level is tried once.
 */
export function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (exists(d)) break;
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Someone else made it meanwhile, or a dangling symlink sits here (the next level then fails).
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (!statSync(dir).isDirectory())
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR' });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
