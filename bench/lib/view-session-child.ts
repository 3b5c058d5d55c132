// Child-process entry for benchmark 11: writes one session of COUNT messages that looks
// like a busy stream (invocation requests, RpcLogs, answers with some failures and
// cancellations, up to 64 in flight, six functions) into a fresh DBFILE with plain
// batched inserts, and prints one JSON line {messages, seconds}.
// Usage: node view-session-child.js COUNT DBFILE
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe } from '../../src/codec/describe.js';
import { encodeMessage, makeMessage } from '../../src/codec/streaming-message.js';
import { migrate } from '../../src/recording/schema.js';

const [countText, path] = process.argv.slice(2);
const count = Number(countText);
const FUNCTIONS = ['echo', 'hello', 'sleep', 'log', 'fail', 'noop'];

rmSync(path!, { force: true });
const db = new Database(path!);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = OFF');
migrate(db);
const wall = Date.now();
db.prepare(
  `INSERT INTO sessions (id, start_wall_ms, label, worker_id) VALUES (1, ?, 'b11', 'bench-worker')`,
).run(wall);
const insert = db.prepare(`INSERT INTO frames (session_id, seq, dir_seq, direction, t_ns, wall_ms, kind,
  request_id, invocation_id, function_id, size, bytes) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
let seq = 0;
let tNs = 0;
const dirSeq = { toHost: 0, toWorker: 0 };
function put(direction: 'toHost' | 'toWorker', bytes: Uint8Array): void {
  const ix = describe(bytes);
  insert.run(
    seq++,
    dirSeq[direction]++,
    direction,
    tNs,
    wall + tNs / 1e6,
    ix.kind,
    ix.requestId ?? null,
    ix.invocationId ?? null,
    ix.functionId ?? null,
    bytes.length,
    bytes,
  );
}
const t0 = performance.now();
put(
  'toWorker',
  encodeMessage(makeMessage({ content: { case: 'workerInitRequest', value: { hostVersion: '4' } } })),
);
for (const [i, name] of FUNCTIONS.entries())
  put(
    'toWorker',
    encodeMessage(
      makeMessage({
        content: { case: 'functionLoadRequest', value: { functionId: `f${i}`, metadata: { name } } },
      }),
    ),
  );
const open: { id: string; doneNs: number; log: boolean; status: number }[] = [];
let n = 0;
const step = db.transaction(() => {
  for (let k = 0; k < 1000 && seq < count; k++) {
    tNs += 5_000 + ((n * 7919) % 20_000);
    open.sort((a, b) => a.doneNs - b.doneNs);
    if (open.length >= 64 || (open.length > 0 && open[0]!.doneNs <= tNs)) {
      const o = open.shift()!;
      if (o.log)
        put(
          'toHost',
          encodeMessage(
            makeMessage({
              content: {
                case: 'rpcLog',
                value: { invocationId: o.id, message: `working on ${o.id}`, level: 2 },
              },
            }),
          ),
        );
      put(
        'toHost',
        encodeMessage(
          makeMessage({
            content: {
              case: 'invocationResponse',
              value: { invocationId: o.id, result: { status: o.status } },
            },
          }),
        ),
      );
      continue;
    }
    n += 1;
    const id = `inv-${n.toString(16).padStart(8, '0')}`;
    const fn = n % FUNCTIONS.length;
    put(
      'toWorker',
      encodeMessage(
        makeMessage({
          content: { case: 'invocationRequest', value: { invocationId: id, functionId: `f${fn}` } },
        }),
      ),
    );
    open.push({
      id,
      doneNs: tNs + 200_000 + ((n * 104729) % 3_000_000),
      log: n % 3 === 0,
      status: n % 50 === 0 ? 0 : n % 97 === 0 ? 2 : 1,
    });
  }
});
while (seq < count) step();
db.prepare(
  'UPDATE sessions SET to_host = ?, to_worker = ?, end_ns = ?, end_wall_ms = ?, end_reason = ? WHERE id = 1',
).run(dirSeq.toHost, dirSeq.toWorker, tNs, wall + tNs / 1e6, 'completed');
db.pragma('journal_mode = DELETE');
db.close();
process.stdout.write(`${JSON.stringify({ messages: seq, seconds: (performance.now() - t0) / 1000 })}\n`);
