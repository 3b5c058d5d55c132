import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planSession, type CausalPlan } from '../causal-plan.js';
import { buildFrames, m } from '../../../test/helpers/build-frames.js';
import { OK, SAMPLE_SESSION } from '../../../test/helpers/sample-session.js';
import { applyFaults } from './apply-faults.js';
import { parseHostFault } from './fault-spec.js';

// Sample session seqs: 1 init, 3 metadata, 5/6 loads (a, b), 9/10 invocations (i1 of a, i2 of b),
// 13 cancel of i1, 15 status, 17 terminate.
const plan = () => planSession(SAMPLE_SESSION);
const apply = (specs: string[], seed = 1, p: CausalPlan = plan()) =>
  applyFaults(p, specs.map(parseHostFault), seed);
const kinds = (p: CausalPlan) => p.steps.map((s) => `${s.frame.kind}#${s.frame.seq}`);
const step = (p: CausalPlan, seq: number) => p.steps.find((s) => s.frame.seq === seq)!;

test('the same plan, faults and seed give the same schedule; another seed may not', () => {
  const specs = ['reorder', 'dup:invocation@50%', 'drop:status@50%', 'delay:invocation=5ms~20ms'];
  const a = apply(specs, 7);
  const b = apply(specs, 7);
  assert.deepEqual(kinds(a.plan), kinds(b.plan));
  assert.deepEqual(
    a.plan.steps.map((s) => s.extraDelayMs),
    b.plan.steps.map((s) => s.extraDelayMs),
  );
  assert.deepEqual(a.notes, b.notes);
  const seeds = new Set(
    Array.from({ length: 8 }, (_, i) =>
      JSON.stringify(apply(specs, i).plan.steps.map((s) => [s.frame.seq, s.extraDelayMs])),
    ),
  );
  assert.ok(seeds.size > 1, 'the seed changes the schedule');
});

test('each transformation: what changes in the plan (table)', () => {
  const rows: Array<[string, (p: CausalPlan, s: ReturnType<typeof apply>) => void]> = [
    [
      'delay:invocation:a=30ms',
      (p) => {
        assert.equal(step(p, 9).extraDelayMs, 30);
        assert.equal(step(p, 10).extraDelayMs, undefined, 'only function a');
      },
    ],
    [
      'early-load',
      (p) => {
        for (const seq of [5, 6])
          assert.deepEqual(step(p, seq).after, [
            { type: 'answer', seq: 0 },
            { type: 'sent', seq: 1 },
          ]);
      },
    ],
    [
      'early-invoke',
      (p) => {
        assert.ok(
          step(p, 9).after.some((r) => r.type === 'sent' && r.seq === 5),
          'i1 waits for the load of a to be sent',
        );
        assert.ok(!step(p, 9).after.some((r) => r.type === 'answer' && r.seq === 8), 'not for its answer');
      },
    ],
    [
      'cancel:b@15ms',
      (p, s) => {
        const added = p.steps[p.steps.findIndex((x) => x.frame.seq === 10) + 1]!;
        assert.equal(added.frame.kind, 'invocationCancel');
        assert.deepEqual(added.after, [{ type: 'sent', seq: 10 }]);
        assert.equal(added.extraDelayMs, 15);
        assert.ok(added.frame.seq > 17, 'a seq no recorded frame has');
        assert.equal(s.tolerance.get('i2'), 'may-cancel');
      },
    ],
    [
      'dup:invocation@100%',
      (p, s) => {
        const copies = p.steps.filter((x) => x.copyOf !== undefined);
        assert.deepEqual(
          copies.map((x) => x.copyOf),
          [9, 10],
        );
        assert.deepEqual([...s.copied], [9, 10]);
        assert.equal(s.tolerance.get('i1'), 'twice');
      },
    ],
    [
      'drop:invocation@100%',
      (p) => {
        assert.ok(!p.steps.some((x) => x.frame.kind === 'invocationRequest'));
        assert.ok(
          !p.answers.some((a) => a.frame.invocationId === 'i1' || a.frame.invocationId === 'i2'),
          'no answer expected',
        );
        assert.deepEqual(
          step(p, 13).after.filter((r) => r.seq === 9),
          [],
          'the cancel no longer waits for the dropped request',
        );
      },
    ],
    [
      'drop:cancel@100%',
      (p, s) => {
        assert.ok(!p.steps.some((x) => x.frame.seq === 13));
        assert.equal(s.tolerance.get('i1'), 'uncompared');
      },
    ],
    [
      'drop:status@100%',
      (p) => {
        assert.ok(!p.steps.some((x) => x.frame.seq === 15));
        assert.ok(!p.answers.some((a) => a.frame.seq === 16));
      },
    ],
    [
      'stall:10ms/50ms',
      (p, s) => {
        assert.deepEqual(kinds(p), kinds(plan()), 'no change to the plan');
        assert.deepEqual(s.stall, { ms: 10, everyMs: 50 });
      },
    ],
    ['break@4', (_p, s) => assert.equal(s.breakAfter, 4)],
  ];
  for (const [spec, check] of rows) {
    const s = apply([spec]);
    check(s.plan, s);
  }
});

test('reorder shuffles runs of invocations and status requests only, keeping each gate', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('workerInitRequest', {})],
    ['toHost', 2, m('workerInitResponse', { result: OK })],
    ['toWorker', 3, m('functionLoadRequest', { functionId: 'a', metadata: { name: 'a', functionId: 'a' } })],
    ['toHost', 4, m('functionLoadResponse', { functionId: 'a', result: OK })],
    ...Array.from(
      { length: 6 },
      (_, i) =>
        ['toWorker', 10 + i, m('invocationRequest', { invocationId: `i${i}`, functionId: 'a' })] as const,
    ),
  ]);
  const before = planSession(frames);
  const orders = new Set<string>();
  for (let seed = 0; seed < 6; seed++) {
    const p = apply(['reorder'], seed, before).plan;
    assert.deepEqual(kinds(p).slice(0, 2), kinds(before).slice(0, 2), 'setup stays in place');
    assert.deepEqual(new Set(kinds(p)), new Set(kinds(before)));
    for (const s of p.steps)
      assert.deepEqual(s.after, before.steps.find((b) => b.frame.seq === s.frame.seq)!.after);
    orders.add(kinds(p).join());
  }
  assert.ok(orders.size > 1, 'seeds give different orders');
});

test('late-reload moves a reload after the loads; faults that match nothing say so', () => {
  const frames = buildFrames([
    ['toHost', 0, m('startStream', { workerId: 'W' }, 'R')],
    ['toWorker', 1, m('workerInitRequest', {})],
    ['toHost', 2, m('workerInitResponse', { result: OK })],
    ['toWorker', 3, m('functionEnvironmentReloadRequest', {})],
    ['toHost', 4, m('functionEnvironmentReloadResponse', { result: OK })],
    ['toWorker', 5, m('functionLoadRequest', { functionId: 'a', metadata: { name: 'a', functionId: 'a' } })],
    ['toHost', 6, m('functionLoadResponse', { functionId: 'a', result: OK })],
    ['toWorker', 7, m('invocationRequest', { invocationId: 'i1', functionId: 'a' })],
  ]);
  const p = apply(['late-reload'], 1, planSession(frames)).plan;
  assert.deepEqual(kinds(p), [
    'workerInitRequest#1',
    'functionLoadRequest#5',
    'functionEnvironmentReloadRequest#3',
    'invocationRequest#7',
  ]);
  assert.ok(!step(p, 5).after.some((r) => r.seq === 4), 'the load no longer waits for the reload');
  assert.match(apply(['late-reload']).notes[0]!.detail, /no environment reload/);
  assert.match(apply(['cancel:nosuch@5ms']).notes[0]!.detail, /no invocation of nosuch/);
});

test('drop: no step is left waiting for an answer that is no longer expected', () => {
  const p = plan();
  const terminate = step(p, 17);
  terminate.after = [...terminate.after, { type: 'answer', seq: 16 }]; // the status request's answer
  const after = step(apply(['drop:status@100%'], 1, p).plan, 17).after;
  assert.ok(!after.some((r) => r.seq === 16), JSON.stringify(after));
});
