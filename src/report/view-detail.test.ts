import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IndexRow } from '../model/index-row.js';
import { buildDetail, type DetailInput } from './view-detail.js';
import { packLanes } from './view-lanes.js';

let seq = 0;
const row = (tNs: number, kind: string, inv: string | null, extra: Partial<IndexRow> = {}): IndexRow => ({
  seq: seq++,
  tNs,
  kind,
  direction: kind === 'invocationRequest' || kind === 'invocationCancel' ? 'toWorker' : 'toHost',
  invocationId: inv,
  functionId: null,
  size: 10,
  ...extra,
});

const ROWS: IndexRow[] = [
  row(0, 'workerInitRequest', null),
  row(10, 'invocationRequest', 'a', { functionId: 'f1' }),
  row(20, 'invocationRequest', 'b', { functionId: 'f2' }),
  row(30, 'rpcLog', 'b', { log: 'Hello from B' }),
  row(40, 'invocationResponse', 'b', { status: 0 }),
  row(50, 'invocationCancel', 'a'),
  row(60, 'invocationResponse', 'a', { status: 2 }),
  row(70, 'invocationRequest', 'c', { functionId: 'f1' }),
  // d answered here, its request is before the rows (found by lookup)
  row(80, 'invocationResponse', 'd', { status: 1 }),
];

function input(over: Partial<DetailInput> = {}): DetailInput {
  return {
    rows: ROWS,
    t0: 0,
    t1: 100,
    n: 10,
    endNs: 90,
    lookup: (id) => (id === 'd' ? { request: row(5, 'invocationRequest', 'd', { functionId: 'f2' }) } : {}),
    maxLookups: 10,
    filter: {},
    names: new Map([['f2', 'greeter']]),
    ...over,
  };
}

test('one bar per invocation, from request to answer (or to the end when open), in lanes that never overlap', () => {
  const d = buildDetail(input());
  const bars = Object.fromEntries(d.bars.map((b) => [b.id, b]));
  assert.deepEqual(Object.keys(bars).sort(), ['a', 'b', 'c', 'd']);
  assert.deepEqual([bars.a!.t0, bars.a!.t1, bars.a!.cancelled, bars.a!.status], [10, 60, true, 2]);
  assert.deepEqual([bars.b!.status, bars.b!.logs], [0, [30]]);
  assert.deepEqual([bars.c!.t1, bars.c!.open], [90, true]);
  assert.deepEqual([bars.d!.t0, bars.d!.functionId], [5, 'f2'], 'request found by lookup');
  for (const x of d.bars)
    for (const y of d.bars)
      if (x !== y && x.lane === y.lane)
        assert.ok(x.t1 < y.t0 || y.t1 < x.t0, `${x.id} and ${y.id} share a lane`);
  assert.deepEqual(
    d.markers.map((m) => m.kind),
    ['workerInitRequest'],
  );
  assert.equal(
    d.columns.starts.reduce((a, b) => a + b),
    4,
  );
  assert.deepEqual([d.columns.failed[4], d.columns.cancelled[6], d.columns.control[0]], [1, 1, 1]);
});

test('filters narrow bars and markers: function, status, text in ids, names and log lines, kind', () => {
  const ids = (f: DetailInput['filter']) =>
    buildDetail(input({ filter: f }))
      .bars.map((b) => b.id)
      .sort();
  assert.deepEqual(ids({ functions: ['f1'] }), ['a', 'c']);
  assert.deepEqual(ids({ status: 'failure' }), ['b']);
  assert.deepEqual(ids({ status: 'open' }), ['c']);
  assert.deepEqual(ids({ text: 'hello from' }), ['b']);
  assert.deepEqual(ids({ text: 'greeter' }), ['b', 'd']);
  assert.deepEqual(ids({ kinds: ['workerInitRequest'] }), []);
  assert.equal(buildDetail(input({ filter: { status: 'failure' } })).markers.length, 0);
});

test('a range cuts bars that end before it or start after it; lookups stop at maxLookups', () => {
  assert.deepEqual(
    buildDetail(input({ t0: 45, t1: 65 }))
      .bars.map((b) => b.id)
      .sort(),
    ['a', 'd'],
  );
  assert.deepEqual(
    buildDetail(input({ maxLookups: 0 }))
      .bars.map((b) => b.id)
      .sort(),
    ['a', 'b', 'c'],
  );
});

test('packLanes: first fit in start order', () => {
  const got = packLanes([
    { t0: 0, t1: 10 },
    { t0: 5, t1: 8 },
    { t0: 11, t1: 12 },
    { t0: 9, t1: 20 },
  ]);
  assert.deepEqual(got, { lanes: [0, 1, 0, 1], count: 2 });
});
