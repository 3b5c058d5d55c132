import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meaningfulLines } from './meaningful-lines.js';

const NODE_CRASH = `node:internal/modules/cjs/loader:1210
  throw err;
  ^

Error: Cannot find module '/app/dist/index.js'
    at Module._resolveFilename (node:internal/modules/cjs/loader:1207:15)
    at node:internal/main/run_main_module:28:49 {
  code: 'MODULE_NOT_FOUND',
  requireStack: []
}

Node.js v20.20.2
`.split('\n');

const PYTHON_CRASH = `Traceback (most recent call last):
  File "/app/worker.py", line 3, in <module>
    import grpc
ModuleNotFoundError: No module named 'grpc'`.split('\n');

test('the error line survives a short tail; blank lines and stack frames are dropped', () => {
  assert.deepEqual(meaningfulLines(NODE_CRASH, 3), [
    "Error: Cannot find module '/app/dist/index.js'",
    '}',
    'Node.js v20.20.2',
  ]);
  assert.deepEqual(meaningfulLines(PYTHON_CRASH, 2), [
    '    import grpc',
    "ModuleNotFoundError: No module named 'grpc'",
  ]);
  assert.deepEqual(meaningfulLines(['a', '', 'b', 'c'], 2), ['b', 'c'], 'no error line: the last lines');
  assert.deepEqual(meaningfulLines(['x', '   '], 5), ['x']);
});
