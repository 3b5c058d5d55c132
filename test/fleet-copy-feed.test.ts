import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';
import type { StoredFrame } from '../src/model/frame.js';
import { copyRows, FRAME_COPY_SQL } from '../src/recording/fleet/copy-rows.js';
import { COPY_WINDOW_BYTES, copyWindow, feedCopy } from '../src/recording/fleet/copy-feed.js';
import { ensurePartition, migrateFleet } from '../src/recording/fleet/pg-schema.js';
import { startPgServer } from './helpers/pg-server.js';

const server = startPgServer();
test.after(() => server.stop());

const START_MS = Date.UTC(2026, 11, 6);
const UUID = '6d1f0a52-9c1e-4d7e-8b1a-2f3c4d5e6f70';

function* frames(count: number, size: number, seqOf = (i: number) => i): Generator<StoredFrame> {
  for (let i = 0; i < count; i++)
    yield {
      sessionId: 1,
      seq: seqOf(i),
      dirSeq: i,
      direction: 'toHost',
      tNs: BigInt(i) * 1000n,
      wallMs: START_MS + i,
      compressed: false,
      kind: 'rpcLog',
      size,
      redacted: false,
      bytes: new Uint8Array(size).fill(i % 251),
    };
}

async function fleet(name: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server.database(name) });
  await client.connect();
  await migrateFleet(client);
  await ensurePartition(client, START_MS);
  return client;
}

const startUs = BigInt(START_MS * 1000) - 946_684_800_000_000n;
const count = async (client: pg.Client) =>
  (await client.query('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS d FROM functape_frames'))
    .rows[0];

test('more rows than the window, in small buffers: every row arrives once, in one COPY', async (t) => {
  const client = await fleet('feed');
  t.after(() => client.end());
  // 3 windows' worth, so that the feeder both runs ahead and waits for the socket
  const n = Math.ceil((3 * COPY_WINDOW_BYTES) / 1000);
  const copy = client.query(copyStreams.from(FRAME_COPY_SQL, copyWindow));
  await feedCopy(
    copy,
    copyRows(UUID, startUs, frames(n, 1000), () => {}, 64 << 10),
  );
  assert.deepEqual(await count(client), { n, d: n });
  assert.equal(copy.rowCount, n);
});

test('the producer fails half-way: the COPY is abandoned, nothing is stored, the connection goes on', async (t) => {
  const client = await fleet('producer-fails');
  t.after(() => client.end());
  function* failing(): Generator<Buffer> {
    let sent = 0;
    for (const b of copyRows(UUID, startUs, frames(20_000, 1000), () => {}, 64 << 10)) {
      if ((sent += b.length) > COPY_WINDOW_BYTES) throw new Error('disk I/O error');
      yield b;
    }
  }
  await client.query('BEGIN');
  const copy = client.query(copyStreams.from(FRAME_COPY_SQL, copyWindow));
  await assert.rejects(feedCopy(copy, failing()), /disk I\/O error/);
  await client.query('ROLLBACK');
  assert.deepEqual(await count(client), { n: 0, d: 0 });
});

test('the server refuses a row (a duplicate key) while rows are in flight: the feeder stops with its error', async (t) => {
  const client = await fleet('server-fails');
  t.after(() => client.end());
  await client.query('BEGIN');
  const copy = client.query(copyStreams.from(FRAME_COPY_SQL, copyWindow));
  // seq 5 twice, early: the server fails while most of the rows are still to come
  const rows = copyRows(
    UUID,
    startUs,
    frames(20_000, 1000, (i) => (i === 6 ? 5 : i)),
    () => {},
    64 << 10,
  );
  await assert.rejects(feedCopy(copy, rows), (err: { code?: string }) => err.code === '23505');
  await client.query('ROLLBACK');
  assert.deepEqual(await count(client), { n: 0, d: 0 });
});

test('a server error while pg-copy-streams waits for the socket to drain: the feeder rejects with it, the dropped connection is not read', async () => {
  // pg-copy-streams 7 with a fake connection whose socket is always full: the COPY's own
  // flush then waits for the socket's 'drain' with chunks still queued, and on the server's
  // error it drops its connection. That flush must not run into the dropped connection (an
  // uncaught TypeError from the socket's event, which crashed a push).
  const socket = Object.assign(new EventEmitter(), { write: () => false });
  const connection = { stream: socket, query: () => {} };
  // a window larger than the four buffers, so that all of them are queued behind the first
  const copy = copyStreams.from(FRAME_COPY_SQL, { highWaterMark: 64 << 20 }) as ReturnType<
    typeof copyStreams.from
  > & { handleCopyInResponse(c: unknown): void; handleError(e: Error): void };
  copy.submit(connection as never);
  copy.handleCopyInResponse(connection);
  function* big(): Generator<Buffer> {
    for (let i = 0; i < 4; i++) yield Buffer.alloc(4 << 20, i);
  }
  const fed = feedCopy(copy, big());
  const turns = async (n: number) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };
  await turns(5); // the first buffer waits on the socket, the next ones queue behind it
  socket.emit('drain'); // the queued ones go as one batch; the socket is full again after the first
  await turns(2);
  copy.handleError(
    Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
  );
  socket.emit('drain'); // the COPY's waiting flush runs
  await assert.rejects(fed, (err: { code?: string }) => err.code === '23505');
});
