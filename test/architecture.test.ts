// Keeps the module layout of ../shared/STYLE.md true: which src/ module may import which,
// and that only wire/ touches the transport and only recording/ touches SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const SRC = resolve(process.cwd(), 'src');
/** The style guide whose module table this test enforces; CI keeps shared/ beside the clone. */
const STYLE = resolve(process.cwd(), '..', 'shared', 'STYLE.md');

/** module → the src modules it may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  gen: [],
  model: [],
  codec: ['model', 'gen'],
  wire: ['model'],
  recording: ['model', 'codec'],
  proxy: ['model', 'codec'],
  report: ['model', 'codec'],
  replay: ['model', 'codec', 'report'],
  load: ['model', 'codec', 'replay', 'report'],
  peers: ['model', 'codec'],
  cli: ['*'],
};
/** Packages only one module may use. */
const OWNED: Record<string, string> = {
  '@grpc/grpc-js': 'wire',
  'node:http2': 'wire',
  http2: 'wire',
  'better-sqlite3': 'recording',
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/g))
    specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

function moduleOf(file: string): string {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length === 1 ? '(root)' : rel[0]!;
}

test('src modules import only what the architecture allows', () => {
  const problems: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = moduleOf(file);
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (relative(SRC, target).startsWith('..')) {
          // Unit tests may use the shared test helpers and fixtures; code under src/ may not.
          if (!file.endsWith('.test.ts'))
            problems.push(`${relative(SRC, file)} imports ${spec}, outside src/`);
          continue;
        }
        const to = moduleOf(target);
        if (to === from || (to === '(root)' && from === '(root)')) continue;
        if (from === '(root)') {
          if (to === 'cli') problems.push(`${relative(SRC, file)} (the library API) imports cli`);
          continue;
        }
        const allowed = ALLOWED[from];
        if (!allowed)
          problems.push(`${relative(SRC, file)}: module ${from} is not in the architecture table`);
        else if (!allowed.includes('*') && !allowed.includes(to))
          problems.push(`${relative(SRC, file)}: ${from} may not import ${to}`);
      } else {
        const owner = OWNED[spec];
        if (owner && owner !== from && !file.endsWith('.test.ts'))
          problems.push(`${relative(SRC, file)}: only ${owner}/ may import ${spec}`);
      }
    }
  }
  assert.deepEqual(problems, []);
});

/**
 * Reads STYLE.md's module table: `| \`name/\` | job | may import |`. "nothing" is no module,
 * "everything" is '*', and words that are not module names (packages, remarks in parentheses) drop out.
 */
function styleTable(text: string): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const m of text.matchAll(/^\|\s*`([a-z]+)\/`\s*\|[^|]*\|([^|]*)\|\s*$/gm)) {
    const cell = m[2]!.replace(/\([^)]*\)/g, '').trim();
    if (cell === 'everything') table[m[1]!] = ['*'];
    else
      table[m[1]!] = cell
        .split(',')
        .map((w) => w.trim())
        .filter((w) => /^[a-z]+$/.test(w) && w !== 'nothing');
  }
  return table;
}

test('the rules above are exactly the module table of STYLE.md', (t) => {
  if (!existsSync(STYLE)) {
    t.skip(`${STYLE} is not there`);
    return;
  }
  const table = styleTable(readFileSync(STYLE, 'utf8'));
  const rules = Object.fromEntries(Object.entries(ALLOWED).map(([k, v]) => [k, [...v].sort()]));
  const style = Object.fromEntries(Object.entries(table).map(([k, v]) => [k, [...v].sort()]));
  assert.deepEqual(rules, style);
});

test('the architecture test sees the real tree', () => {
  const modules = new Set(sourceFiles(SRC).map(moduleOf));
  for (const m of ['model', 'codec', 'cli', 'gen']) assert.ok(modules.has(m), `src/${m} exists`);
});
