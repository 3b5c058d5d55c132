import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendSampleSession } from '../../test/helpers/view-process.js';
import { openViewReader } from '../recording/view-reader.js';
import { createViewModel } from './view-model.js';

// The sample session (test/helpers/sample-session.ts): functions a and b, invocation i1 (a,
// cancelled, answered Cancelled at 31 ms), i2 (b, one log, Success at 23 ms), 18 messages.
const MS = 1_000_000;

async function withSample(fn: (db: string) => void | Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'functape-view-model-'));
  try {
    const db = join(dir, 'sample.db');
    await appendSampleSession(db, 'sample');
    await fn(db);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the view model answers the page from indexed reads of a recording', async () => {
  await withSample((db) => {
    const reader = openViewReader(db);
    try {
      const m = createViewModel(reader);
      assert.deepEqual(
        m.sessions().map((s) => [s.id, s.label, s.toHost + s.toWorker]),
        [[1, 'sample', 18]],
      );
      const info = m.session(1)!;
      assert.equal(info.endNs, 50 * MS);
      assert.deepEqual(info.functions, [
        { id: 'a', name: 'a' },
        { id: 'b', name: 'b' },
      ]);
      assert.equal(reader.seqAtTime(1, 20 * MS), 9);
      assert.equal(reader.seqAtTime(1, 20 * MS + 1), 10);
      assert.equal(reader.seqAtTime(1, 99 * MS), 18);

      const v = m.timeline(1, 0, 60 * MS, 60, {});
      assert.equal(v.frames, 18);
      const bars = v.detail!.bars.map((b) => [
        b.id,
        b.t0 / MS,
        b.t1 / MS,
        b.status,
        b.cancelled,
        b.logs.length,
      ]);
      assert.deepEqual(bars.sort(), [
        ['i1', 20, 31, 2, true, 0],
        ['i2', 21, 23, 1, false, 1],
      ]);
      assert.equal(v.detail!.markers.length, 12);
      // A range that starts after both requests still draws i1 (requested before it).
      assert.deepEqual(
        m.timeline(1, 25 * MS, 60 * MS, 10, {}).detail!.bars.map((b) => b.id),
        ['i1'],
      );

      const all = m.messages(1, 0, 100, {});
      assert.equal(all.total, 18);
      assert.equal(all.rows[11]!.summary, 'Trace: b runs');
      assert.equal(all.rows[12]!.function, 'b', 'an answer names its function');
      const cancelled = m.messages(1, 0, 100, { status: 'cancelled' });
      assert.deepEqual(
        cancelled.rows.map((r) => r.kind),
        ['invocationRequest', 'invocationCancel', 'invocationResponse'],
      );
      const logText = m.messages(1, 0, 100, { text: 'b runs' });
      assert.deepEqual(
        logText.rows.map((r) => r.seq),
        [11],
      );
      const fnB = m.messages(1, 1, 100, { functions: ['b'] });
      assert.deepEqual(
        [fnB.total, fnB.rows.map((r) => r.seq)],
        [5, [7, 10, 11, 12]],
        'from the second match on',
      );

      const inv = m.invocation(1, 'i2')!;
      assert.deepEqual([inv.functionName, inv.status, inv.durationNs! / MS], ['b', 1, 2]);
      assert.deepEqual(
        inv.messages.map((x) => x.kind),
        ['invocationRequest', 'rpcLog', 'invocationResponse'],
      );
      const answer = inv.messages[2]!;
      assert.deepEqual(
        (answer.json as { invocationResponse: { result: unknown } }).invocationResponse.result,
        {
          status: 'Success',
        },
      );
      assert.match(answer.hex, /^00000000 {2}([0-9a-f]{2} )+/);
      assert.equal(m.invocation(1, 'nope'), undefined);
      assert.equal(m.message(1, 17)!.kind, 'workerTerminate');
    } finally {
      reader.close();
    }
  });
});

test('a range with more messages than detailFrames is drawn from the summary, counted in budgeted steps', async () => {
  await withSample((db) => {
    const reader = openViewReader(db);
    try {
      let clock = 0;
      const m = createViewModel(reader, { detailFrames: 5, now: () => (clock += 1000) });
      const first = m.timeline(1, 0, 60 * MS, 5, {});
      assert.equal(first.detail, undefined);
      assert.equal(first.indexed, 0, 'no time left for a first step: nothing counted yet');
      const m2 = createViewModel(reader, { detailFrames: 5 });
      // 12 ms columns (the summary's buckets are a few µs: exact away from column edges).
      const v = m2.timeline(1, 0, 60 * MS, 5, {});
      assert.equal(v.indexed, 1);
      assert.deepEqual(v.columns.starts, [0, 2, 0, 0, 0]);
      assert.deepEqual(v.columns.answers, [0, 1, 1, 0, 0]);
      assert.deepEqual(v.columns.cancelled, [0, 0, 1, 0, 0]);
      assert.deepEqual(v.columns.logs, [0, 1, 0, 0, 0]);
      assert.equal(
        v.columns.control.reduce((a, b) => a + b),
        12,
      );
      assert.ok(Math.max(...v.columns.inflight) === 2);
    } finally {
      reader.close();
    }
  });
});
