import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import type { ReplayFrame } from '../replay/replay-frame.js';
import { CliError } from './command.js';

/**
 * Write the minimized session as a normal recording: one session, labelled with where it
 * came from, the kept frames with seq and dirSeq renumbered from 0 (so `verify` finds no
 * gaps), their recorded times, and the original session's end. Bytes are stored as they
 * are in the source recording (already redacted there).
 */
export async function writeMinimized(
  out: string,
  source: SessionInfo,
  originals: readonly StoredFrame[],
  kept: readonly ReplayFrame[],
  label: string,
): Promise<void> {
  const { createRecordingWriter, RecordingError } = await import('../recording/index.js');
  let writer: ReturnType<typeof createRecordingWriter>;
  try {
    writer = createRecordingWriter(out, { redact: false });
  } catch (err) {
    if (err instanceof RecordingError) throw new CliError(`--out: ${err.message}`);
    throw err;
  }
  const bySeq = new Map(originals.map((f) => [f.seq, f]));
  const { end, counts: _counts, ...start } = source;
  const id = writer.addSession({ ...start, id: 1, label });
  const dirSeq = { toHost: 0, toWorker: 0 };
  kept.forEach((k, seq) => {
    const f = bySeq.get(k.seq)!;
    writer.addFrame({
      sessionId: id,
      seq,
      dirSeq: dirSeq[f.direction]++,
      direction: f.direction,
      tNs: f.tNs,
      wallMs: f.wallMs,
      compressed: f.compressed,
      bytes: k.bytes,
    });
  });
  const last = originals[originals.length - 1];
  writer.endSession(
    end
      ? { ...end, id }
      : {
          id,
          endNs: last?.tNs ?? 0n,
          endWallMs: last?.wallMs ?? source.startWallMs,
          status: null,
          reason: 'completed',
        },
  );
  writer.close();
}
