import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openRecording } from '../src/recording/open-recording.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { runMain } from './helpers/run-main.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

export function tmpDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'functape-fleet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The golden recordings as files: the v2 golden and the two checked-in NDJSON sessions imported. */
export async function goldenFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const v2 = join(dir, 'v2.db');
  copyFileSync(join(FIXTURES, 'recordings', 'v2.db'), v2);
  files.v2 = v2;
  for (const name of ['reference-mixed', 'no-host-messages']) {
    const db = join(dir, `${name}.db`);
    const ndjson = join(FIXTURES, 'sessions', `${name}.ndjson`);
    const r = await runMain(['import', '--db', db, '--in', ndjson, '--redact', 'on']);
    if (r.code !== 0) throw new Error(r.stderr);
    files[name] = db;
  }
  return files;
}

/**
 * A recording of one session of `count` messages: the reference session's messages over
 * and over, 1 ms apart, ended like the original.
 */
export function bigRecording(source: string, path: string, count: number): void {
  const rec = openRecording(source);
  const s = rec.sessions()[0]!;
  const frames = [...rec.frames(s.id)];
  rec.close();
  const w = createRecordingWriter(path, { redact: false, batchFrames: 20_000 });
  const { end: _end, counts: _counts, uuid: _uuid, ...start } = s;
  w.addSession({ ...start, redactOff: false });
  const dirSeq = { toHost: 0, toWorker: 0 };
  for (let seq = 0; seq < count; seq++) {
    const f = frames[seq % frames.length]!;
    w.addFrame(
      {
        ...f,
        seq,
        dirSeq: dirSeq[f.direction]++,
        tNs: BigInt(seq) * 1_000_000n,
        wallMs: s.startWallMs + seq,
      },
      { index: { kind: f.kind, ...(f.invocationId ? { invocationId: f.invocationId } : {}) } },
    );
  }
  if (s.end) w.endSession({ ...s.end, endNs: BigInt(count) * 1_000_000n });
  w.close();
}

/** `functape export` of a whole recording or fleet database, as text. */
export async function exportText(db: string): Promise<string> {
  const r = await runMain(['export', '--db', db]);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout;
}
