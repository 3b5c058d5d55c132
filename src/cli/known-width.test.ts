import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { knownWidth, KNOWN_NARROW_EXTRAS } from './known-width.js';

type StringWidth = (
  s: string,
  options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean },
) => number;

/** The directory of package `name` as Node would find it from `fromDir` (walking up node_modules). */
function findPackage(name: string, fromDir: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} not found from ${fromDir}`);
  }
}

/** Every copy of string-width the help layout uses: yargs's own, cliui's and wrap-ansi's. */
async function realStringWidths(): Promise<Map<string, StringWidth>> {
  const found = new Map<string, StringWidth>();
  const here = dirname(fileURLToPath(import.meta.url));
  const yargs = findPackage('yargs', here);
  for (const [owner, ownerDir] of [
    ['yargs', yargs],
    ['cliui', findPackage('cliui', yargs)],
    ['wrap-ansi', findPackage('wrap-ansi', findPackage('cliui', yargs))],
  ] as const) {
    const dir = findPackage('string-width', ownerDir);
    const { version, exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      version: string;
      exports: string | { default?: string; import?: string };
    };
    const main = typeof exports === 'string' ? exports : (exports.import ?? exports.default ?? './index.js');
    const mod = (await import(pathToFileURL(join(dir, main)).href)) as { default: StringWidth };
    found.set(`string-width ${version} (${owner})`, mod.default);
  }
  return found;
}

const ascii = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('');
const samples = [
  '',
  ' ',
  'functape record',
  '--db',
  '[string] [required]',
  'a → b → c',
  '«µs» · 3×4 – 5 — 6 … ← ≤ ≥',
  'The main job on built-in defaults: record functape host → functape wrap → functape worker into DIR/demo.db',
  ascii,
  [...ascii].reverse().join(''),
  `${KNOWN_NARROW_EXTRAS}${ascii}${KNOWN_NARROW_EXTRAS}`,
];

test('knownWidth agrees with every real string-width on each known character and on mixed strings', async () => {
  const reals = await realStringWidths();
  assert.ok(reals.size >= 2, `found ${[...reals.keys()].join(', ')}`);
  for (const [name, real] of reals) {
    for (const ch of ascii + KNOWN_NARROW_EXTRAS) {
      assert.equal(knownWidth(ch), real(ch), `${name}: U+${ch.codePointAt(0)!.toString(16)}`);
      assert.equal(
        knownWidth(ch),
        real(ch, { countAnsiEscapeCodes: true }),
        `${name}: U+${ch.codePointAt(0)!.toString(16)} counting escapes`,
      );
    }
    for (const s of samples) assert.equal(knownWidth(s), real(s), `${name}: ${JSON.stringify(s)}`);
    for (const ch of ascii)
      assert.equal(
        knownWidth(ch, false),
        real(ch, { ambiguousIsNarrow: false }),
        `${name}: U+${ch.codePointAt(0)!.toString(16)} ambiguous wide`,
      );
  }
});

test('knownWidth declines what it cannot measure without tables', () => {
  for (const s of [
    '\u001b[1mbold\u001b[22m',
    'tab\there',
    '日本語',
    'e\u0301',
    '👍',
    '1\u20e3',
    'zero\u200bwidth',
    '\u00ad',
    'ü',
  ]) {
    assert.equal(knownWidth(s), undefined, JSON.stringify(s));
  }
  // Ambiguous-width characters are wide when the caller says so.
  assert.equal(knownWidth('a → b', false), undefined);
  assert.equal(knownWidth('a -> b', false), 6);
  assert.equal(knownWidth(42 as unknown as string), undefined);
});
