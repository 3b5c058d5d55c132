import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../codec/streaming-message.js';
import { directoryMove, moveDirectory, recordedAppDirectory } from './app-directory.js';
import { buildFrames, m } from '../../test/helpers/build-frames.js';

test('the recorded app directory is moved to the live one in the host messages that name it', () => {
  const frames = buildFrames([
    [
      'toWorker',
      0,
      m('workerInitRequest', {
        workerDirectory: '/home/site/wwwroot',
        functionAppDirectory: '/home/site/wwwroot/',
      }),
    ],
    [
      'toWorker',
      1,
      m('functionLoadRequest', {
        functionId: 'f',
        metadata: {
          name: 'f',
          directory: '/home/site/wwwroot/f',
          scriptFile: '/home/site/wwwroot/dist/index.js',
        },
      }),
    ],
    ['toWorker', 2, m('invocationRequest', { invocationId: 'i', functionId: 'f' })],
  ]);
  assert.equal(recordedAppDirectory(frames), '/home/site/wwwroot/');
  const move = directoryMove(recordedAppDirectory(frames), '/ci/app');
  assert.deepEqual(move, { recorded: '/home/site/wwwroot', live: '/ci/app' });
  const init = decodeMessage(moveDirectory('workerInitRequest', frames[0]!.bytes, move));
  assert.equal(
    init.content.case === 'workerInitRequest' && init.content.value.functionAppDirectory,
    '/ci/app/',
  );
  const load = decodeMessage(moveDirectory('functionLoadRequest', frames[1]!.bytes, move));
  assert.deepEqual(
    load.content.case === 'functionLoadRequest' && [
      load.content.value.metadata?.directory,
      load.content.value.metadata?.scriptFile,
    ],
    ['/ci/app/f', '/ci/app/dist/index.js'],
  );
  assert.equal(
    moveDirectory('invocationRequest', frames[2]!.bytes, move),
    frames[2]!.bytes,
    'other kinds keep their bytes',
  );
  // [recorded, live, move?]
  const table: Array<[string | undefined, string | undefined, boolean]> = [
    ['/a', '/a/', false],
    ['/', '/x', false],
    ['', '/x', false],
    [undefined, '/x', false],
    ['/a', undefined, false],
    ['/a', '/b', true],
  ];
  for (const [r, l, want] of table) assert.equal(directoryMove(r, l) !== undefined, want, `${r} → ${l}`);
});
