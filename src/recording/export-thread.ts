/**
 * A worker of parallelExport: turns windows of one session's seq range into NDJSON (UTF-8
 * bytes, transferred to the caller without a copy) with its own read-only connection.
 * Stateless between windows (but for a pool of output buffers the caller hands back once
 * written), so windows can be converted on several threads at once and written in order by
 * the caller.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createFrameLiner } from '../codec/ndjson.js';
import { openRecording } from './open-recording.js';
import type { FromExportThread, ToExportThread } from './parallel-export.js';

const port = parentPort!;
const { path, sessionId } = workerData as { path: string; sessionId: number };
const post = (m: FromExportThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
/** SQLite page cache per thread: windows are read in seq order, once (16 MB by default). */
const CACHE_KIB = 2048;
/** Buffers kept for reuse (a few windows' worth; more only while windows grow). */
const POOL = 8;

try {
  const rec = openRecording(path, { cacheKiB: CACHE_KIB });
  const line = createFrameLiner();
  // The next window's buffer starts at about the last window's size, so it rarely grows.
  let capacity = 64 * 1024;
  // Buffers handed back after writing; a window takes the last one, else a new one.
  const pool: ArrayBuffer[] = [];
  const take = (size: number): Buffer => {
    // One a bit small still serves (it grows if this window needs it); a much smaller one
    // (from windows of smaller messages) is dropped.
    for (let b = pool.pop(); b; b = pool.pop()) if (b.byteLength * 2 >= size) return Buffer.from(b);
    // Its own ArrayBuffer (not Node's pool), so it can be transferred.
    return Buffer.allocUnsafeSlow(size);
  };
  port.on('message', (m: ToExportThread) => {
    if (m.type === 'close') {
      rec.close();
      port.close();
      return;
    }
    if (m.type === 'buffer') {
      // As many as can be in flight: the caller keeps at most `ahead` windows.
      if (pool.length < POOL) pool.push(m.buffer);
      return;
    }
    try {
      let buf = take(capacity);
      let used = 0;
      let count = 0;
      for (const f of rec.frames(sessionId, { afterSeq: m.from - 1, beforeSeq: m.to })) {
        const text = line(f);
        const worst = text.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 unit
        if (used + worst > buf.length) {
          const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, used + worst));
          buf.copy(bigger, 0, 0, used);
          buf = bigger;
        }
        used += buf.write(text, used, 'utf8');
        buf[used++] = 10;
        count++;
      }
      capacity = Math.max(64 * 1024, Math.ceil(used * 1.25));
      const bytes = new Uint8Array(buf.buffer, 0, used);
      post({ type: 'text', window: m.window, bytes, count }, [buf.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  port.close();
}
