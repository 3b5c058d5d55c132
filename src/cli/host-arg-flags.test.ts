import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from './command.js';
import { hostArgv, hostConnection } from './host-arg-flags.js';

test('hostArgv rebuilds the host arguments from the declared flags (the last of a repeated one), then the rest', () => {
  const cases: Array<[Parameters<typeof hostArgv>[0], Array<string | number>, string[]]> = [
    [{}, [], []],
    [{ host: '::1', port: '7071' }, ['x'], ['--host', '::1', '--port', '7071', 'x']],
    [
      { port: ['1', '2'], 'functions-uri': 'http://h:3/' },
      [],
      ['--port', '2', '--functions-uri', 'http://h:3/'],
    ],
    [{ workerId: 'w' }, ['--functions-worker-id', 7], ['--workerId', 'w', '--functions-worker-id', '7']],
  ];
  for (const [flags, rest, argv] of cases)
    assert.deepEqual(hostArgv(flags, rest), argv, JSON.stringify(flags));
});

test('hostConnection reads both forms; a missing connection is a CliError naming the command', () => {
  const host = hostConnection(
    { 'functions-uri': 'http://[::1]:7071/', 'functions-worker-id': 'w', 'functions-request-id': 'r' },
    [],
    'worker',
  );
  assert.deepEqual([host.host, host.port, host.workerId, host.requestId], ['::1', 7071, 'w', 'r']);
  assert.throws(
    () => hostConnection({}, [], 'replay worker'),
    (err: unknown) => err instanceof CliError && /^replay worker: /.test(err.message),
  );
});
