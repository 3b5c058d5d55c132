import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonValue } from '@bufbuild/protobuf';
import { compileIgnores, DEFAULT_IGNORES, maskVolatile, splitPath } from './ignore-paths.js';
import { diffJson } from './json-diff.js';

test('diffJson reports each differing leaf with its path, recorded and live value', () => {
  // [recorded, live, differences]
  const table: Array<[JsonValue, JsonValue, ReturnType<typeof diffJson>]> = [
    [{ a: 1 }, { a: 1 }, []],
    [{ a: 1 }, { a: 2 }, [{ path: 'a', recorded: 1, live: 2 }]],
    [{ a: { b: 'x' } }, { a: {} }, [{ path: 'a.b', recorded: 'x' }]],
    [{}, { a: { b: 'y' } }, [{ path: 'a.b', live: 'y' }]],
    [
      { l: [1, 2] },
      { l: [1, 3, 4] },
      [
        { path: 'l[1]', recorded: 2, live: 3 },
        { path: 'l[2]', live: 4 },
      ],
    ],
    [{ o: [{ n: 'a' }] }, { o: [{ n: 'b' }] }, [{ path: 'o[0].n', recorded: 'a', live: 'b' }]],
    [{ a: 'x' }, { a: { b: 1 } }, [{ path: 'a', recorded: 'x', live: { b: 1 } }]],
    [{ a: null }, { a: null }, []],
  ];
  for (const [rec, live, want] of table)
    assert.deepEqual(diffJson(rec, live), want, JSON.stringify([rec, live]));
});

test('ignore patterns: exact paths, prefixes, * within and across segments, ** and array indices', () => {
  // [pattern, path, ignored]
  const table: Array<[string, string, boolean]> = [
    [
      'invocationResponse.returnValue.http.headers.date',
      'invocationResponse.returnValue.http.headers.date',
      true,
    ],
    [
      'invocationResponse.returnValue.http.headers.date',
      'invocationResponse.returnValue.http.headers.server',
      false,
    ],
    [
      'invocationResponse.returnValue.http.headers.*',
      'invocationResponse.returnValue.http.headers.server',
      true,
    ],
    [
      'invocationResponse.returnValue.http.headers.x-*',
      'invocationResponse.returnValue.http.headers.x-id',
      true,
    ],
    [
      'invocationResponse.returnValue.http.headers.x-*',
      'invocationResponse.returnValue.http.headers.date',
      false,
    ],
    ['*.workerMetadata', 'workerInitResponse.workerMetadata.runtimeVersion', true],
    ['*.workerMetadata', 'workerInitResponse.capabilities.WorkerStatus', false],
    ['**.stackTrace', 'invocationResponse.result.exception.stackTrace', true],
    ['**.stackTrace', 'rpcLog.exception.stackTrace', true],
    ['**.stackTrace', 'rpcLog.exception.message', false],
    ['invocationResponse.outputData[*].data', 'invocationResponse.outputData[3].data.string', true],
    ['invocationResponse.outputData.0', 'invocationResponse.outputData[0].name', true],
    ['invocationResponse.outputData.0', 'invocationResponse.outputData[1].name', false],
  ];
  for (const [pattern, path, want] of table)
    assert.equal(compileIgnores([pattern])(splitPath(path)), want, `${pattern} vs ${path}`);
  assert.throws(() => compileIgnores(['']), /empty --ignore/);
  // patterns that would leave nothing to compare
  for (const p of ['*', '**', '***', '**.**'])
    assert.throws(() => compileIgnores([p]), /would ignore every message whole/, p);
  assert.doesNotThrow(() => compileIgnores(['x*', '*.result', '**.stackTrace', '*.*']));
});

test('diffJson skips ignored paths and everything below them', () => {
  const ignore = compileIgnores([...DEFAULT_IGNORES, 'invocationResponse.returnValue.http.headers.date']);
  const rec = {
    invocationResponse: {
      returnValue: { http: { headers: { date: 'Mon', a: '1' } } },
      result: { exception: { stackTrace: 'at x:1' } },
    },
  };
  const live = {
    invocationResponse: {
      returnValue: { http: { headers: { date: 'Tue', a: '2' } } },
      result: { exception: { stackTrace: 'at y:2' } },
    },
  };
  assert.deepEqual(diffJson(rec, live, ignore), [
    { path: 'invocationResponse.returnValue.http.headers.a', recorded: '1', live: '2' },
  ]);
});

test('maskVolatile hides timestamps, durations and process ids in log text', () => {
  const table: Array<[string, string]> = [
    [
      "Executed 'Functions.hello' (Succeeded, Duration=12ms)",
      "Executed 'Functions.hello' (Succeeded, Duration=<duration>)",
    ],
    ['took 3.5 ms', 'took <duration>'],
    ['at 2026-11-25T14:46:34.123Z started', 'at <time> started'],
    ['Worker process started (pid 4242)', 'Worker process started (pid <pid>)'],
    ['log line 3 of 10', 'log line 3 of 10'],
    ['Hello, world!', 'Hello, world!'],
  ];
  for (const [text, want] of table) assert.equal(maskVolatile(text), want);
});

test('rewriteIds maps exact ids and GUIDs inside text, nothing else', async () => {
  const { rewriteIds } = await import('./id-map.js');
  const live = '0b0e5f4e-1111-4222-8333-944455556666';
  const rec = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeffff0000';
  const map = new Map([
    [live, rec],
    ['hello', 'hello-rec'],
  ]);
  const out = rewriteIds(
    {
      rpcLog: {
        invocationId: live,
        message: `Executed 'Functions.hello' (Succeeded, Id=${live}, Duration=3ms)`,
        other: 'ffffffff-ffff-4fff-8fff-ffffffffffff',
        name: 'hello',
      },
    },
    (id) => map.get(id),
  );
  assert.deepEqual(out, {
    rpcLog: {
      invocationId: rec,
      message: `Executed 'Functions.hello' (Succeeded, Id=${rec}, Duration=3ms)`,
      other: 'ffffffff-ffff-4fff-8fff-ffffffffffff',
      name: 'hello-rec',
    },
  });
});

test('functions a worker indexes in another order do not differ', async () => {
  const { compareAnswer } = await import('./compare-answers.js');
  const { encodeMessage, makeMessage } = await import('../codec/streaming-message.js');
  const { m } = await import('../../test/helpers/build-frames.js');
  const meta = (names: string[]) =>
    encodeMessage(
      makeMessage(
        m('functionMetadataResponse', {
          functionMetadataResults: names.map((name) => ({ name, functionId: name })),
        }),
      ),
    );
  const { createSecretMask } = await import('../codec/secret-mask.js');
  const options = {
    ignore: compileIgnores([]),
    toRecordedSpace: (j: JsonValue) => j,
    secrets: createSecretMask(),
  };
  assert.deepEqual(compareAnswer(meta(['a', 'b', 'c']), meta(['c', 'a', 'b']), options), []);
  assert.deepEqual(
    compareAnswer(meta(['a', 'b']), meta(['a', 'x']), options)
      .map((d) => d.path)
      .slice(0, 2),
    [
      'functionMetadataResponse.functionMetadataResults[1].name',
      'functionMetadataResponse.functionMetadataResults[1].functionId',
    ],
  );
});
