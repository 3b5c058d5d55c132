// `replay host --fault`: each spec against the reference worker (handled as the protocol
// allows: exit 0), and the faults that provoke the worker's deliberate cancel-race bug
// (found: exit 1, the report says how the worker died). One small recording, fast pace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRecording } from '../src/recording/open-recording.js';
import { runMain } from './helpers/run-main.js';

const BIN = resolve(process.cwd(), 'bin/functape');
const FUNCTAPE = `"${process.execPath}" "${BIN}"`;
const dir = mkdtempSync(join(tmpdir(), 'functape-faults-'));
const db = join(dir, 'rec.db');
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The scripted host run the recording was made with (replay worker answers the same run). */
const HOST_RUN = [
  '-n',
  '12',
  '-c',
  '3',
  '--cancel-every',
  '2',
  '--reload-env',
  '-f',
  'hello,sleep,log',
  '--app-dir',
  dir,
];

test.before(async () => {
  const rec = await runMain([
    'host',
    '--worker',
    `${FUNCTAPE} wrap --db "${db}" --quiet -- ${FUNCTAPE} worker`,
    ...HOST_RUN,
  ]);
  assert.equal(rec.code, 0, rec.stdout + rec.stderr);
});

const replay = (worker: string, faults: string[], extra: string[] = []) =>
  runMain([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    worker,
    '--pace',
    'fast',
    '--answer-timeout',
    '3s',
    ...faults.flatMap((f) => ['--fault', f]),
    ...extra,
  ]);

const SPECS = [
  'delay:invocation=5ms~10ms',
  'reorder',
  'early-load',
  'early-invoke',
  'late-reload',
  'cancel:hello@5ms',
  'cancel:sleep@5ms',
  'dup:invocation@50%',
  'dup:cancel@100%',
  'drop:invocation@50%',
  'drop:status@100%',
  'drop:cancel@100%',
  'stall:50ms/150ms',
  'break@9',
];

for (const spec of SPECS)
  test(`--fault ${spec} against the reference worker: handled as the protocol allows, exit 0, the fault listed`, async () => {
    const r = await replay(`${FUNCTAPE} worker`, [spec], ['--seed', '5']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /faults \(seed 5\): \S+ — \d+ injected/);
    if (spec.startsWith('break'))
      assert.match(r.stdout, /broke the stream after 9 host messages.*the worker then exited with code/);
  });

for (const spec of ['cancel:hello@20ms', 'dup:cancel@100%'])
  test(`--fault ${spec} finds the worker's cancel-race bug: exit 1, the report says it died`, async () => {
    const r = await replay(`${FUNCTAPE} worker --bug cancel-race`, [spec]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /stream broken: .*the worker exited with code 71/);
    assert.match(r.stderr, /bug cancel-race: InvocationCancel for invocation \S+, already answered/);
  });

test('break@N against a worker that stays alive after its stream broke: a failure, exit 1', async () => {
  // The reference worker exits 3 on the broken stream; the shell then lingers in its place.
  const lingering = `sh -c '${FUNCTAPE.replaceAll('"', '')} worker "$@"; exec sleep 30' sh`;
  const r = await replay(lingering, ['break@6']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /fault verdict: the worker did not exit within 5 s after the stream broke/);
});

test('the same seed gives the same faults; --report lists them and --record keeps the faulted session', async () => {
  const faults = ['reorder', 'dup:invocation@50%', 'drop:status@100%'];
  const runs = [];
  for (const n of [1, 2]) {
    const report = join(dir, `faults-${n}.json`);
    const out = join(dir, `faulted-${n}.db`);
    const r = await replay(`${FUNCTAPE} worker`, faults, [
      '--seed',
      '11',
      '--report',
      report,
      '--record',
      out,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    runs.push({ report: JSON.parse(readFileSync(report, 'utf8')), out });
  }
  const planned = (x: { report: { faults: { injected: Array<{ at?: number }> } } }) =>
    x.report.faults.injected.map(({ at: _at, ...rest }) => rest);
  assert.deepEqual(planned(runs[0]!), planned(runs[1]!));
  assert.equal(runs[0]!.report.faults.seed, 11);
  const dups = runs[0]!.report.faults.injected.filter((f: { fault: string }) => f.fault === 'dup').length;
  assert.ok(dups > 0, 'some invocations were duplicated at 50%');
  const count = (path: string) => {
    const rec = openRecording(path);
    try {
      const [s] = rec.sessions();
      return [...rec.frames(s!.id)].filter((f) => f.kind === 'invocationRequest').length;
    } finally {
      rec.close();
    }
  };
  assert.equal(count(runs[0]!.out), count(db) + dups, 'the recorded replay holds the duplicates');
});

test('bad --fault and --seed values: one line, exit 2', async () => {
  for (const [args, re] of [
    [['--fault', 'drop:load@10%'], /--fault drop:load@10%: drop takes only/],
    [['--fault', 'stall:5s/10s'], /--fault stall: DUR \(5000 ms\) must be shorter than --answer-timeout/],
    [['--seed', '-1'], /--seed/],
  ] as const) {
    const r = await replay(`${FUNCTAPE} worker`, [], [...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('replay worker --fault toward a live host: a delayed answer is still an answer; a dropped one and a reset stream are seen by the host', async () => {
  const report = join(dir, 'worker-report.json');
  const host = (fault: string) =>
    runMain([
      'host',
      '--worker',
      `${FUNCTAPE} replay worker --db "${db}" --fault ${fault} --report "${report}"`,
      ...HOST_RUN,
      '--answer-timeout',
      '1s',
    ]);
  const injected = () =>
    (JSON.parse(readFileSync(report, 'utf8')).faults.injected as Array<{ at: number; detail: string }>).map(
      (f) => `#${f.at} ${f.detail}`,
    );
  const delayed = await host('delay-answer:hello=200ms');
  assert.equal(delayed.code, 0, delayed.stdout + delayed.stderr);
  assert.equal(injected().length, 4, 'each of the 4 hello invocations');
  assert.match(injected()[0]!, /hello answered 200 ms later/);
  const dropped = await host('drop-answer:hello@100%');
  assert.equal(dropped.code, 3, dropped.stdout);
  assert.match(dropped.stdout, /WORKER BROKE — the worker sent nothing for 1 s/);
  const crashed = await host('crash@14');
  assert.equal(crashed.code, 3, crashed.stdout);
  assert.match(crashed.stdout, /WORKER BROKE/);
  assert.deepEqual(injected(), ['#14 stream reset on receiving host message 14 (invocationRequest)']);
});
