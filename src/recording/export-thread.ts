/**
 * A worker of parallelExport: turns windows of one session's seq range into NDJSON text
 * with its own read-only connection. Stateless between windows, so windows can be
 * converted on several threads at once and written in order by the caller.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createFrameLiner } from './ndjson.js';
import { openRecording } from './open-recording.js';
import type { FromExportThread, ToExportThread } from './parallel-export.js';

const port = parentPort!;
const { path, sessionId } = workerData as { path: string; sessionId: number };
const post = (m: FromExportThread) => port.postMessage(m);

try {
  const rec = openRecording(path);
  const line = createFrameLiner();
  port.on('message', (m: ToExportThread) => {
    if (m.type === 'close') {
      rec.close();
      port.close();
      return;
    }
    try {
      const parts: string[] = [];
      for (const f of rec.frames(sessionId, { afterSeq: m.from - 1, beforeSeq: m.to })) parts.push(line(f), '\n');
      post({ type: 'text', window: m.window, text: parts.join(''), count: parts.length / 2 });
    } catch (err) {
      post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
} catch (err) {
  post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  port.close();
}
