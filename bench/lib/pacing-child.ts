// Child-process entry for benchmark 6: how close to schedule messages go out in `recorded`
// pace. `functape`: functape's replay host driver (replayHost over an in-memory duplex)
// plays a synthetic recording whose host messages are `gap` ms apart; `baseline`: each
// instant is scheduled with setTimeout(due - now); `floor` (diagnosis): a setTimeout until
// 1.5 ms before each instant, then a busy-wait to it, and nothing else (no engine, no
// event-loop polling): what the machine lets the simplest precise pacer reach at that
// moment. Prints one JSON line.
// Usage: node pacing-child.js functape|baseline|floor GAP_MS COUNT
// With PACING_LATE=1, `functape` also prints each late message and what the process saw
// around it to stderr (pacing-diagnosis.ts; not for the benchmark's figures).
import { createLatencyRecorder } from './stats.js';
import { encodeMessage, makeMessage } from '../../src/codec/streaming-message.js';
import { loadReplay } from './functape-api.js';
import { createPacingDiagnosis } from './pacing-diagnosis.js';

const [mode, gapText, countText] = process.argv.slice(2);
const gapMs = Number(gapText);
const count = Number(countText);
const FIRST_MS = 5; // recorded delay of the first invocation after StartStream

/** What one child run reports (read by b6-pacing.ts). */
export interface PacingResult {
  n: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  /** Mean error (late), µs. */
  meanUs: number;
  /** Where the anchored schedule starts, relative to the known release instant (µs). */
  offsetUs: number;
  cpuPct: number;
  seconds: number;
}

/**
 * Errors are measured against the schedule anchored at the earliest message: a driver's own
 * release instant (when it saw the event the delays count from) is not visible from outside,
 * and a constant start-up offset is not a pacing error. `offsetUs` keeps that anchor's
 * distance from the externally known release instant.
 */
function finish(rawErrorsMs: number[], cpu0: NodeJS.CpuUsage, wall0: number): PacingResult {
  const cpu = process.cpuUsage(cpu0);
  const anchor = Math.min(...rawErrorsMs);
  const errorsMs = rawErrorsMs.map((e) => e - anchor);
  const wall = performance.now() - wall0;
  const rec = createLatencyRecorder();
  for (const e of errorsMs) rec.record(Math.abs(e) * 1e6);
  const out = {
    n: errorsMs.length,
    p50Us: rec.percentileUs(50),
    p99Us: rec.percentileUs(99),
    maxUs: rec.maxUs(),
    meanUs: (errorsMs.reduce((a, b) => a + b, 0) / errorsMs.length) * 1000,
    offsetUs: anchor * 1000,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    seconds: wall / 1000,
  };
  rec.destroy();
  return out;
}

async function baseline(): Promise<PacingResult> {
  const errors: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const start = t0 + FIRST_MS;
  await new Promise<void>((resolve) => {
    let i = 0;
    // Each wake-up sends everything already due, then sleeps until the next due instant.
    const fire = () => {
      const now = performance.now();
      while (i < count && start + i * gapMs <= now) {
        errors.push(performance.now() - (start + i * gapMs));
        i += 1;
      }
      if (i === count) return resolve();
      setTimeout(fire, Math.max(0, start + i * gapMs - performance.now()));
    };
    setTimeout(fire, FIRST_MS);
  });
  return finish(errors, cpu0, t0);
}

async function floor(): Promise<PacingResult> {
  const errors: number[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const start = t0 + FIRST_MS;
  for (let i = 0; i < count; i += 1) {
    const due = start + i * gapMs;
    const sleep = due - 1.5 - performance.now();
    if (sleep >= 1) await new Promise((r) => setTimeout(r, sleep));
    // A BigInt clock compared as BigInts allocates nothing (performance.now() does on Node 20).
    const end = process.hrtime.bigint() + BigInt(Math.max(0, Math.round((due - performance.now()) * 1e6)));
    while (process.hrtime.bigint() < end);
    errors.push(performance.now() - due);
  }
  return finish(errors, cpu0, t0);
}

async function functape(): Promise<PacingResult> {
  const { replayHost, createDuplexPair } = await loadReplay();
  const workerId = '11111111-1111-4111-8111-111111111111';
  const requestId = '22222222-2222-4222-8222-222222222222';
  const functionId = 'fn-bench';
  const startStream = encodeMessage(
    makeMessage({ requestId, content: { case: 'startStream', value: { workerId } } }),
  );
  const frames: Array<{
    seq: number;
    direction: 'toHost' | 'toWorker';
    tNs: bigint;
    bytes: Uint8Array;
    kind: string;
    invocationId?: string;
    functionId?: string;
  }> = [{ seq: 0, direction: 'toHost', tNs: 0n, bytes: startStream, kind: 'startStream' }];
  const delays: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const invocationId = `00000000-0000-4000-8000-${i.toString().padStart(12, '0')}`;
    const ms = FIRST_MS + i * gapMs;
    delays.push(ms);
    const bytes = encodeMessage(
      makeMessage({ content: { case: 'invocationRequest', value: { invocationId, functionId } } }),
    );
    frames.push({
      seq: i + 1,
      direction: 'toWorker',
      tNs: BigInt(Math.round(ms * 1e6)),
      bytes,
      kind: 'invocationRequest',
      invocationId,
      functionId,
    });
  }
  const pair = createDuplexPair();
  const arrivals: number[] = [];
  let cpu0 = process.cpuUsage();
  let releasedAt = 0;
  pair.worker.onMessage(() => {
    arrivals.push(performance.now());
    diagnosis?.arrived();
    if (arrivals.length === count) pair.worker.end();
  });
  const report = replayHost({
    frames,
    duplex: pair.host,
    workerId,
    requestId,
    pace: 'recorded',
    answerTimeoutMs: 1,
  });
  // After replayHost's synchronous warm-up, so that it counts from the release.
  const diagnosis = process.env.PACING_LATE ? createPacingDiagnosis() : undefined;
  cpu0 = process.cpuUsage();
  releasedAt = performance.now();
  pair.worker.send(startStream);
  await report;
  if (arrivals.length !== count) throw new Error(`the replay sent ${arrivals.length} of ${count} messages`);
  if (process.env.PACING_DEBUG)
    process.stderr.write(
      `${arrivals
        .slice(0, 8)
        .map((t, i) => (t - releasedAt - delays[i]!).toFixed(2))
        .join(' ')}\n`,
    );
  diagnosis?.print(
    arrivals.map((t, i) => t - (releasedAt + delays[i]!)),
    arrivals.map((t) => t - releasedAt),
    releasedAt,
  );
  return finish(
    arrivals.map((t, i) => t - (releasedAt + delays[i]!)),
    cpu0,
    releasedAt,
  );
}

const result = mode === 'baseline' ? await baseline() : mode === 'floor' ? await floor() : await functape();
process.stdout.write(`${JSON.stringify(result)}\n`);
