import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shellQuote, shellSplit } from './shell-split.js';

const cases: Array<[string, string[] | RegExp]> = [
  ['bin/functape worker', ['bin/functape', 'worker']],
  ['  a \t b\n', ['a', 'b']],
  ["node 'my worker.js' --x", ['node', 'my worker.js', '--x']],
  ['a "b c" "d\\"e" "\\n"', ['a', 'b c', 'd"e', '\\n']],
  ['a\\ b c', ['a b', 'c']],
  ["''", ['']],
  ['x"y"\'z\'', ['xyz']],
  [
    'functape wrap --db "/tmp/a b.db" -- functape worker',
    ['functape', 'wrap', '--db', '/tmp/a b.db', '--', 'functape', 'worker'],
  ],
  ['', []],
  ["'open", /unterminated '/],
  ['"open', /unterminated "/],
  ['end\\', /trailing backslash/],
];

for (const [line, want] of cases) {
  test(`shellSplit ${JSON.stringify(line)}`, () => {
    if (want instanceof RegExp) assert.throws(() => shellSplit(line), want);
    else assert.deepEqual(shellSplit(line), want);
  });
}

test('shellQuote round-trips through shellSplit', () => {
  const words = ['plain', '/tmp/a b/c.db', "it's", '', '$HOME', 'a"b', '--db=x y'];
  assert.deepEqual(shellSplit(words.map(shellQuote).join(' ')), words);
  assert.equal(shellQuote('bin/functape'), 'bin/functape');
});
