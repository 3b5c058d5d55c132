// Child-process entry for benchmark 4: writes `count` frames of `size` bytes into a fresh
// database, either through functape's capture store or as a plain better-sqlite3 batched
// insert of the same rows, and prints one JSON line {rowsPerSec, seconds, maxRssMB}.
// Usage: node store-child.js baseline|functape SIZE COUNT DBFILE
import Database from 'better-sqlite3';
import { createMessageSource } from './messages.js';
import { describe } from '../../src/codec/describe.js';
import { MIGRATIONS } from '../../src/recording/schema.js';
import type { Frame } from '../../src/model/frame.js';
import type { CaptureStore } from '../../src/model/store.js';
import { loadCaptureStore } from './functape-api.js';

const [mode, sizeText, countText, path] = process.argv.slice(2);
const size = Number(sizeText);
const count = Number(countText);
const BATCH = 1000;

// Frames come in pairs with one fresh random invocation id (a request and its answer, as on
// a real stream: ids land at random places in the invocation index); the pair shares bytes.
const source = createMessageSource(size);
const pairs = Array.from({ length: Math.ceil(count / 2) }, () => source.next());
const t0Wall = Date.now();
const frames: Frame[] = Array.from({ length: count }, (_, i) => ({
  sessionId: 1,
  seq: i,
  dirSeq: i >> 1,
  direction: i % 2 === 0 ? 'toHost' : 'toWorker',
  tNs: BigInt(i) * 20_000n,
  wallMs: t0Wall + i * 0.02,
  compressed: false,
  bytes: pairs[i >> 1]!,
}));

async function baseline(): Promise<number> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.transaction(() => {
    for (const m of MIGRATIONS) db.exec(m.sql);
  })();
  db.prepare(`INSERT INTO sessions (id, start_wall_ms, label) VALUES (1, ?, 'bench')`).run(t0Wall);
  const insert =
    db.prepare(`INSERT INTO frames (session_id, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind,
      request_id, invocation_id, function_id, size, redacted, decode_error, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  // "The same rows": index fields computed before the clock starts, as a plain insert would get them.
  const rows = frames.map((f) => {
    const ix = describe(f.bytes);
    return [
      f.sessionId,
      f.seq,
      f.dirSeq,
      f.direction,
      f.tNs,
      f.wallMs,
      0,
      ix.kind,
      ix.requestId ?? null,
      ix.invocationId ?? null,
      ix.functionId ?? null,
      f.bytes.length,
      0,
      null,
      f.bytes,
    ] as const;
  });
  const writeBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i += 1) insert.run(...rows[i]!);
  });
  const t0 = performance.now();
  for (let i = 0; i < count; i += BATCH) writeBatch(i, Math.min(count, i + BATCH));
  db.close();
  return (performance.now() - t0) / 1000;
}

async function functape(): Promise<number> {
  const open = await loadCaptureStore();
  const store: CaptureStore = await open(path);
  const id = store.allocateSessionId();
  for (const f of frames) f.sessionId = id;
  const t0 = performance.now();
  store.write({
    type: 'session-start',
    session: {
      id,
      label: 'bench',
      startWallMs: t0Wall,
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    },
  });
  for (const f of frames) {
    if (!store.write({ type: 'frame', frame: f })) await store.drained();
  }
  store.write({
    type: 'session-end',
    end: {
      id,
      endNs: BigInt(count) * 20_000n,
      endWallMs: Date.now(),
      status: { code: 0, details: '' },
      reason: 'completed',
    },
  });
  // Until close() resolves, not flush(): the store builds the frames table's secondary
  // indexes at close (the baseline keeps them live), so that work is inside the timing.
  await store.close();
  const seconds = (performance.now() - t0) / 1000;
  const stats = store.stats();
  if (stats.stored !== count) throw new Error(`the store committed ${stats.stored} of ${count} frames`);
  return seconds;
}

const seconds = mode === 'baseline' ? await baseline() : await functape();
const check = new Database(path, { readonly: true });
const stored = (check.prepare('SELECT count(*) AS n FROM frames').get() as { n: number }).n;
check.close();
process.stdout.write(
  `${JSON.stringify({ rowsPerSec: count / seconds, seconds, stored, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
