import type { LineOutput, Recording } from '../recording/index.js';
import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import { createOtlpSession } from '../report/otlp-trace.js';
import { createPerfettoSession, PERFETTO_HEAD, PERFETTO_TAIL } from '../report/perfetto-trace.js';
import { FUNCTAPE_VERSION } from '../version.js';

/** `export --format` values other than the NDJSON one. */
export type TraceFormat = 'perfetto' | 'otlp';

/** One session's trace writer: lines per frame, and the lines that close it. */
interface TraceSession {
  begin(): string[];
  frame(f: StoredFrame): string[];
  end(lastNs: bigint): string[];
}

/**
 * Write `sessions` of `rec` as a trace (Perfetto trace-event JSON or OTLP/JSON lines) to
 * `out`, frame by frame: memory follows the invocations in flight, not the sessions' length.
 * Returns how many messages were read; stops early when `stopped()` turns true.
 */
export async function writeTrace(
  rec: Recording,
  sessions: readonly SessionInfo[],
  format: TraceFormat,
  out: LineOutput,
  stopped: () => boolean,
): Promise<number> {
  const origin = Math.min(...sessions.map((s) => s.startWallMs));
  const perfetto = format === 'perfetto';
  let first = true;
  const write = async (lines: string[]) => {
    for (const l of lines) {
      const wait = out.line(perfetto && !first ? `,${l}` : l);
      first = false;
      if (wait) await wait;
    }
  };
  if (perfetto) await out.text(PERFETTO_HEAD);
  let messages = 0;
  for (const s of sessions) {
    const trace: TraceSession = perfetto
      ? createPerfettoSession(s, origin)
      : { begin: () => [], ...createOtlpSession(s, FUNCTAPE_VERSION) };
    await write(trace.begin());
    let lastNs = 0n;
    for (const frame of rec.frames(s.id)) {
      if (stopped()) break;
      messages++;
      lastNs = frame.tNs;
      await write(trace.frame(frame));
    }
    if (stopped()) break;
    await write(trace.end(lastNs));
  }
  if (perfetto) await out.text(PERFETTO_TAIL);
  return messages;
}
