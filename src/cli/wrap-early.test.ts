import { test } from 'node:test';
import assert from 'node:assert/strict';
import { plainWrapFlags } from './wrap-early.js';

test('wrap starts its worker early only when its own flags cannot be refused before the worker would run', () => {
  const rows: Array<[string[], boolean]> = [
    [[], true],
    [['--db', 'rec.db'], true],
    [['--db=rec.db', '--quiet'], true],
    [['--label', 'x', '--db', 'rec.db'], true],
    [['--db'], false],
    [['--db', '--quiet'], false],
    [['--db', 'rec.db', '--max-db-bytes', '8K'], false],
    [['--db', 'rec.db', '--redact-rules', 'r.json'], false],
    [['--db', 'rec.db', '--on-store-error', 'fial'], false],
    [['--db', 'rec.db', '--qiuet'], false],
    [['--help'], false],
  ];
  for (const [flags, early] of rows) assert.equal(plainWrapFlags(flags), early, flags.join(' '));
});
