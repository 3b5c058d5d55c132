// `functape wrap` as a host would start it: `functape wrap --db X -- WORKER... <host args>`.
// The worker must reach the host through the recording proxy with nothing else changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  FUNCTAPE,
  THIS_FILE as RAW_PEERS,
  hexList,
  readRecording,
  startChild,
  startTestHost,
  echoUntilEnd,
  tempDir,
  withTimeout,
} from './helpers/raw-peers.js';
import { writeSampleRecording } from './recording-sample.js';

const SHORT = (port: number) => [
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--workerId',
  'wid-short',
  '--requestId',
  'rid-1',
  '--grpcMaxMessageLength',
  '2147483647',
];
const MODERN = (port: number) => [
  '--functions-uri',
  `http://127.0.0.1:${port}/`,
  '--functions-worker-id',
  'wid-modern',
  '--functions-request-id',
  'rid-2',
  '--functions-grpc-max-message-length',
  '2147483647',
];

for (const [form, hostArgs, workerId] of [
  ['short', SHORT, 'wid-short'],
  ['--functions-*', MODERN, 'wid-modern'],
] as const) {
  test(`wrap with the ${form} host arguments: the worker talks to the host through the proxy, everything else unchanged`, async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const host = await startTestHost(echoUntilEnd());
    t.after(() => host.close());
    const db = join(tmp.dir, 'wrap.db');
    const workerArgs = [
      RAW_PEERS,
      'hostargs-worker',
      '--keep',
      'this value',
      ...hostArgs(host.listener.port),
      '--trailing-flag',
    ];
    const wrap = startChild(
      FUNCTAPE[0]!,
      [FUNCTAPE[1]!, 'wrap', '--db', db, '--label', `wrap ${form}`, '--', process.execPath, ...workerArgs],
      {
        cwd: tmp.dir,
        env: { ...process.env, FUNCTAPE_TEST_VAR: 'kept', EXIT_CODE: '3' },
      },
    );
    t.after(() => wrap.kill('SIGKILL'));
    const exit = await withTimeout(wrap.exited, 20_000, 'wrap exits');
    assert.deepEqual(
      exit,
      { code: 3, signal: null },
      `wrap exits with the worker's code; stderr: ${wrap.stderr.join('\n')}`,
    );

    const given = JSON.parse(wrap.stdout.find((l) => l.startsWith('given '))!.slice(6)) as {
      argv: string[];
      cwd: string;
      env: string;
    };
    assert.equal(given.cwd, tmp.dir);
    assert.equal(given.env, 'kept');
    // Only the host address changed, and it points at a loopback proxy, not at the host.
    const expected = workerArgs.slice(2);
    assert.equal(given.argv.length, expected.length);
    const changed = given.argv.flatMap((a, i) => (a === expected[i] ? [] : [[expected[i], a]]));
    const proxyPort =
      form === 'short'
        ? Number(given.argv[given.argv.indexOf('--port') + 1])
        : Number(/:(\d+)\/$/.exec(given.argv[given.argv.indexOf('--functions-uri') + 1]!)![1]);
    assert.notEqual(proxyPort, host.listener.port);
    assert.deepEqual(
      changed,
      form === 'short'
        ? [[String(host.listener.port), String(proxyPort)]]
        : [[`http://127.0.0.1:${host.listener.port}/`, `http://127.0.0.1:${proxyPort}/`]],
    );
    assert.ok(wrap.stdout.includes(`echoed hello,from,${workerId}`));
    assert.ok(wrap.stdout.includes('done 0'));

    const [s, ...more] = readRecording(db);
    assert.equal(more.length, 0);
    assert.equal(s!.info.label, `wrap ${form}`);
    assert.deepEqual(s!.info.metadata['x-worker-id'], [workerId]);
    assert.deepEqual(hexList(s!.toHost), hexList(host.streams[0]!.received));
    assert.deepEqual(hexList(s!.toWorker), hexList(host.streams[0]!.sent));
    assert.equal(s!.info.end?.reason, 'completed');
  });
}

test('wrap forwards SIGTERM to the worker and exits with its code after flushing', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'sig.db');
  const wrap = startChild(
    FUNCTAPE[0]!,
    [
      FUNCTAPE[1]!,
      'wrap',
      '--db',
      db,
      '--quiet',
      '--',
      process.execPath,
      RAW_PEERS,
      'hostargs-worker',
      '--stay',
      ...MODERN(host.listener.port),
    ],
    {
      env: { ...process.env, EXIT_CODE: '5' },
    },
  );
  t.after(() => wrap.kill('SIGKILL'));
  await wrap.line(/^echoed /);
  wrap.kill('SIGTERM');
  assert.deepEqual(await withTimeout(wrap.exited, 15_000, 'wrap exits'), { code: 5, signal: null });
  assert.ok(wrap.stdout.includes('got SIGTERM'), 'the worker got the signal');
  assert.deepEqual(wrap.stderr, [], '--quiet prints nothing when all is well');
  const [s] = readRecording(db);
  assert.equal(s!.toHost.length, 3);
  assert.equal(s!.toWorker.length, 3);
  assert.equal(s!.info.end?.reason, 'worker-gone');
});

test('wrap of a command that does not exist: one line, exit 127', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const wrap = startChild(FUNCTAPE[0]!, [
    FUNCTAPE[1]!,
    'wrap',
    '--db',
    join(tmp.dir, 'x.db'),
    '--quiet',
    '--',
    'no-such-worker-binary',
    ...MODERN(9),
  ]);
  assert.deepEqual(await withTimeout(wrap.exited, 15_000, 'wrap exits'), { code: 127, signal: null });
  assert.deepEqual(wrap.stderr, ['functape wrap: cannot start no-such-worker-binary: no such command']);
});

test('wrap starts the worker before its recording can be opened, and records what crossed meanwhile once it can', async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const host = await startTestHost(echoUntilEnd());
  t.after(() => host.close());
  const db = join(tmp.dir, 'locked.db');
  writeSampleRecording(db);
  // Another connection holds the file exclusively: opening it for writing waits (busy).
  const holder = new Database(db);
  t.after(() => holder.close());
  holder.exec('BEGIN EXCLUSIVE');
  const wrap = startChild(
    FUNCTAPE[0]!,
    [
      FUNCTAPE[1]!,
      'wrap',
      '--db',
      db,
      '--quiet',
      '--',
      process.execPath,
      RAW_PEERS,
      'hostargs-worker',
      '--stay',
      ...MODERN(host.listener.port),
    ],
    {
      env: { ...process.env, EXIT_CODE: '0' },
    },
  );
  t.after(() => wrap.kill('SIGKILL'));
  // The worker runs while the file is still locked (before, wrap started it only once the
  // store had opened) ...
  await wrap.line(/^given /, 20_000);
  assert.ok(holder.inTransaction, 'the lock was still held when the worker started');
  holder.exec('COMMIT');
  // ... and what it sends is relayed and recorded once the store opens.
  await wrap.line(/^echoed hello,from,wid-modern$/, 20_000);
  wrap.kill('SIGTERM');
  assert.deepEqual(
    await withTimeout(wrap.exited, 15_000, 'wrap exits'),
    { code: 0, signal: null },
    wrap.stderr.join('\n'),
  );
  const sessions = readRecording(db);
  assert.equal(sessions.length, 3, 'the two sessions it held, and the new one');
  const s = sessions.at(-1)!;
  assert.deepEqual(hexList(s.toHost), hexList(host.streams[0]!.received));
  assert.deepEqual(hexList(s.toWorker), hexList(host.streams[0]!.sent));
  assert.equal(s.toHost.length, 3);
});

for (const [flags, message] of [
  [['--on-store-error', 'maybe'], /^functape: --on-store-error "maybe"/],
  [['--bogus'], /^functape: Unknown argument: bogus/],
] as const) {
  test(`wrap flags refused after the worker was started early (${flags[0]}): the worker is stopped, one line, exit 2`, async (t) => {
    const tmp = tempDir();
    t.after(tmp.cleanup);
    const host = await startTestHost(echoUntilEnd());
    t.after(() => host.close());
    const wrap = startChild(FUNCTAPE[0]!, [
      FUNCTAPE[1]!,
      'wrap',
      '--db',
      join(tmp.dir, 'x.db'),
      ...flags,
      '--',
      process.execPath,
      RAW_PEERS,
      'hostargs-worker',
      '--stay',
      ...MODERN(host.listener.port),
    ]);
    t.after(() => wrap.kill('SIGKILL'));
    // Its stdout closes once every process holding it (wrap and the worker it started) is
    // gone: a worker left running would hold it open.
    const stdoutClosed = new Promise<void>((resolve) => wrap.proc.stdout!.once('close', () => resolve()));
    assert.deepEqual(await withTimeout(wrap.exited, 15_000, 'wrap exits'), { code: 2, signal: null });
    await withTimeout(stdoutClosed, 15_000, 'the worker is gone too');
    const errors = wrap.stderr.filter((l) => l.trim() !== '');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, message);
  });
}
