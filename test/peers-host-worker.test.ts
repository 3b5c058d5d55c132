// functape host → functape worker, directly, as real processes over loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { HostReport } from '../src/peers/host-report.js';
import { spawnWorker } from '../src/peers/spawn-worker.js';
import { hostInProcess } from './helpers/host-in-process.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const WORKER = `${process.execPath} ${BIN} worker`;

function functape(
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

async function host(args: string[]): Promise<{ code: number; report: HostReport; stderr: string }> {
  const r = await functape(['host', '--json', ...args]);
  let report: HostReport;
  try {
    report = JSON.parse(r.stdout) as HostReport;
  } catch {
    throw new Error(`host printed no JSON report (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

test('every function kind, cancellation, env reload, status echo and terminate → exit 0', async () => {
  const { code, report } = await host([
    '--worker',
    WORKER,
    '--invocations',
    '42',
    '--concurrency',
    '4',
    '--cancel-every',
    '2',
    '--reload-env',
    '--big-mb',
    '0.25',
    '--log-count',
    '3',
    '--function',
    'echo,hello,sleep',
    '--function',
    'fail',
    '--function',
    'log,big,noop',
  ]);
  assert.equal(report.outcome, 'ok', report.problem);
  assert.equal(code, 0);
  assert.deepEqual(report.functions, ['echo', 'hello', 'sleep', 'fail', 'log', 'big', 'noop']);
  const f = report.invocations.byFunction;
  for (const name of report.functions) {
    assert.equal(f[name]!.sent, 6, name);
    assert.equal(f[name]!.ok, 6, name);
  }
  assert.equal(f.fail!.failure, 6);
  assert.equal(f.sleep!.cancelled, 3, 'every 2nd sleep was cancelled');
  assert.equal(f.sleep!.success, 3);
  assert.equal(report.logs.invocation, 6 * 3 + 6, 'log lines plus one error log per fail');
  assert.equal(report.statusEchoed, true);
  assert.equal(report.worker.exitCode, 0);
  assert.ok(report.workerCapabilities.includes('HandlesInvocationCancelMessage'));
  assert.equal(report.workerMetadata.workerVersion, '0.1.0');
  assert.ok(report.latencyMs.count === 42 && report.latencyMs.p99 >= report.latencyMs.p50);
  // init, reload, metadata, 7 loads, 42 invocations, 3 cancels, status, terminate
  assert.equal(report.messages.toWorker, 1 + 1 + 1 + 8 + 42 + 3 + 1 + 1);
});

test('the text summary names the outcome, throughput and latency', async () => {
  const r = await functape(['host', '--worker', WORKER, '-n', '10', '-f', 'hello']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /functape host: OK/);
  assert.match(r.stdout, /10\/10 answered, 10 as expected, 0 unexpected/);
  assert.match(r.stdout, /invocations\/s/);
  assert.match(r.stdout, /latency ms: p50 [\d.]+ +p90 [\d.]+ +p99 [\d.]+/);
});

test('a worker with an invocation cost (--work-us, --logs): every invocation comes with its logs, still answered right', async () => {
  const { code, report } = await host([
    '--worker',
    `${WORKER} --work-us 200 --logs 2`,
    '-n',
    '12',
    '-c',
    '4',
    '-f',
    'noop,hello',
  ]);
  assert.equal(code, 0);
  assert.equal(report.invocations.answered, 12);
  assert.equal(report.logs.invocation, 24, 'two per invocation');
});

test("a worker with another greeting and a load collection still meets the host's expectations", async () => {
  // As a host starts it: a defaultWorkerPath-like word first, then options, then the host arguments.
  const { code, report } = await host([
    '--worker',
    `${WORKER} app/worker.js --greeting Hi --load-collection`,
    '-n',
    '8',
    '-f',
    'hello,noop',
  ]);
  assert.equal(code, 0, report.problem);
  assert.ok(report.workerCapabilities.includes('SupportsLoadResponseCollection'));
  assert.equal(
    report.messages.toWorker,
    1 + 1 + 1 + 8 + 1 + 1,
    'one FunctionLoadRequestCollection instead of 8 loads',
  );
});

test("a worker that crashes mid-invocation: exit 3 with the worker's last words", async () => {
  const { code, report } = await host(['--worker', WORKER, '-n', '4', '-c', '1', '-f', 'hello,crash']);
  assert.equal(code, 3);
  assert.equal(report.outcome, 'broken');
  assert.match(report.problem ?? '', /stream ended before WorkerTerminate/);
  assert.equal(report.worker.exitCode, 70);
  assert.ok(report.worker.stderrTail.some((l) => l.includes("function 'crash' crashed the worker")));
});

test('a worker that cannot start: exit 3', async () => {
  const { code, report } = await host(['--worker', `${process.execPath} -e process.exit(5) --`, '-n', '1']);
  assert.equal(code, 3);
  assert.match(report.problem ?? '', /exited before connecting \(code 5\)/);
  const missing = await host(['--worker', '/nonexistent/worker', '-n', '1']);
  assert.equal(missing.code, 3);
  assert.match(missing.report.problem ?? '', /ENOENT/);
});

test('asking for a function the worker lacks: exit 1, and the worker is still terminated cleanly', async () => {
  const { code, report } = await host(['--worker', WORKER, '-n', '3', '-f', 'hello,nosuch']);
  assert.equal(code, 1);
  assert.match(report.problem ?? '', /no function nosuch/);
  assert.equal(report.worker.exitCode, 0);
});

test('bad flags: one line, exit 2', async () => {
  const r = await functape(['host', '--worker', WORKER, '--concurrency', '0']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--concurrency takes a whole number ≥ 1 \(got "0"\)/);
  // flags that used to start a run that could only fail: one line, exit 2 instead of exit 3
  for (const [flags, message] of [
    [
      ['--start-timeout', '-1'],
      /--start-timeout takes a duration ≥ 0 \(500ms, 30s, 2m, 1m30s, or plain seconds; got "-1"\)/,
    ],
    [['--answer-timeout', 'soon'], /--answer-timeout takes a duration > 0 \(.*plain seconds; got "soon"\)/],
    [
      ['--app-dir', resolve(process.cwd(), 'no-such-app-dir')],
      /--app-dir .*no-such-app-dir is not a directory/,
    ],
  ] as const) {
    const b = await functape(['host', '--worker', WORKER, ...flags]);
    assert.equal(b.code, 2, `${flags.join(' ')}: ${b.stderr}`);
    assert.equal(b.stderr.trim().split('\n').length, 1, b.stderr);
    assert.match(b.stderr, message);
    assert.equal(b.stdout, '');
  }
  const q = await functape(['host', '--worker', "'unterminated"]);
  assert.equal(q.code, 2);
  const w = await functape(['worker', '--functions-uri', 'http://127.0.0.1:1/']);
  assert.equal(w.code, 2);
  assert.match(w.stderr, /missing worker id/);
  for (const [flag, value] of [
    ['--work-us', '-1'],
    ['--work-us', '1.5'],
    ['--logs', 'many'],
    ['--logs', '100001'],
  ]) {
    const c = await functape([
      'worker',
      flag!,
      value!,
      '--functions-uri',
      'http://127.0.0.1:1/',
      '--functions-worker-id',
      'w',
      '--functions-request-id',
      'r',
    ]);
    assert.equal(c.code, 2, `${flag} ${value}: ${c.stderr}`);
    assert.equal(c.stderr.trim().split('\n').length, 1, c.stderr);
    assert.match(c.stderr, new RegExp(`${flag} takes a whole number from 0 to`));
  }
});

for (const form of ['short', 'functions'] as const) {
  test(`the worker starts with only the ${form} form of the host arguments`, async () => {
    const report = await hostInProcess({
      startWorker: (hostArgs) => {
        const cut = hostArgs.indexOf('--functions-uri');
        return spawnWorker(
          [process.execPath, BIN, 'worker'],
          form === 'short' ? hostArgs.slice(0, cut) : hostArgs.slice(cut),
        );
      },
      functions: ['hello'],
      invocations: 2,
      hostVersion: 'test',
    });
    assert.equal(report.outcome, 'ok', report.problem);
    assert.equal(report.worker.exitCode, 0);
  });
}

test('through functape wrap the host sees exactly what it sees directly', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'functape-peers-'));
  try {
    const args = [
      '-n',
      '24',
      '-c',
      '3',
      '--cancel-every',
      '2',
      '--reload-env',
      '-f',
      'echo,hello,sleep,fail,log,noop',
    ];
    const direct = await host(['--worker', WORKER, ...args]);
    const wrapped = await host([
      '--worker',
      `${process.execPath} ${BIN} wrap --db ${join(dir, 'w.db')} --quiet -- ${WORKER}`,
      ...args,
    ]);
    const why = (r: HostReport) => `${r.problem}\n${r.worker.stderrTail.join('\n')}`;
    assert.equal(direct.code, 0, why(direct.report));
    assert.equal(wrapped.code, 0, why(wrapped.report));
    assert.deepEqual(wrapped.report.messages, direct.report.messages);
    assert.deepEqual(wrapped.report.invocations.byFunction, direct.report.invocations.byFunction);
    assert.deepEqual(wrapped.report.logs, direct.report.logs);
    assert.deepEqual(wrapped.report.workerCapabilities, direct.report.workerCapabilities);
    assert.equal(wrapped.report.worker.exitCode, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the HTTP input goes under the trigger binding the metadata names, not a fixed `req`', async () => {
  // --binding-name: the worker's metadata names the trigger as real apps do, and it refuses unknown inputs.
  const { code, report } = await host([
    '--worker',
    `${WORKER} --binding-name httpTrigger624a`,
    '-n',
    '12',
    '-f',
    'echo,hello,log',
  ]);
  assert.equal(report.outcome, 'ok', `${report.problem} ${report.invocations.examples.join('; ')}`);
  assert.equal(code, 0);
  assert.equal(report.invocations.answered, 12);
});
