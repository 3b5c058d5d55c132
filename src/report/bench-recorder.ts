import * as hdr from 'hdr-histogram-js';
import type { Figures, FunctionFigures, TimelinePoint, WorkerFigures } from './bench-report.js';
import { createFigureAccumulator, newHistogram, valueAt, type FigureAccumulator } from './latency-figures.js';

/** What the load driver tells the recorder; indices are fixed at creation. */
export interface BenchRecorder {
  /** A measured invocation went out (to worker `worker`). */
  sent(fn: number, worker: number): void;
  /**
   * A measured invocation was answered. `atMs` is arrival, ms since the measured window
   * started; `latencyUs` runs from when it was meant to be sent.
   */
  completed(fn: number, worker: number, latencyUs: number, status: string, atMs: number): void;
  /** An RpcLog for a measured invocation. */
  rpcLog(fn: number): void;
  /** Measured invocations still unanswered when the run stopped. */
  unanswered(fn: number, count: number): void;
  /** Measured invocations never sent (open-loop backlog at the end). */
  backlog(fn: number, count: number): void;
  /** Figures so far, for a progress line: cheap enough to call a few times a second. */
  progress(): { completed: number; errors: number; p99Us: number };
  build(durationMs: number): {
    overall: Figures;
    functions: FunctionFigures[];
    workers: WorkerFigures[];
    timeline: TimelinePoint[];
  };
}

export interface RecorderLayout {
  functions: ReadonlyArray<{ name: string; recordedFunctionId: string }>;
  workers: ReadonlyArray<{ workerId: string; pid: number | null }>;
}

/**
 * Collects latencies into HDR histograms (overall, per function, per second) and counts
 * (per status, per worker). Invariant: overall counts are the sums of the per-function
 * ones, since both are updated by the same calls.
 */
export function createBenchRecorder(layout: RecorderLayout): BenchRecorder {
  const overall = createFigureAccumulator();
  const perFn: FigureAccumulator[] = layout.functions.map(() => createFigureAccumulator());
  const perWorker = layout.workers.map(() => ({ sent: 0, completed: 0, errors: 0 }));
  const seconds: SecondSlots = [];
  let completed = 0;
  let errors = 0;
  /** The latest answer's arrival: answers in flight when sending stopped land after the window. */
  let lastAtMs = 0;
  return {
    sent(fn, worker) {
      overall.sent += 1;
      perFn[fn]!.sent += 1;
      perWorker[worker]!.sent += 1;
    },
    completed(fn, worker, latencyUs, status, atMs) {
      overall.record(latencyUs, status);
      perFn[fn]!.record(latencyUs, status);
      const w = perWorker[worker]!;
      w.completed += 1;
      completed += 1;
      const us = Math.max(1, Math.round(latencyUs));
      if (atMs > lastAtMs) lastAtMs = atMs;
      const slot = secondSlot(seconds, atMs);
      slot.h.recordValue(us);
      slot.completed += 1;
      if (status !== 'Success') {
        w.errors += 1;
        errors += 1;
        slot.errors += 1;
      }
    },
    rpcLog(fn) {
      overall.rpcLogs += 1;
      perFn[fn]!.rpcLogs += 1;
    },
    unanswered(fn, count) {
      overall.unanswered += count;
      perFn[fn]!.unanswered += count;
    },
    backlog(fn, count) {
      overall.backlog += count;
      perFn[fn]!.backlog += count;
    },
    progress() {
      return { completed, errors, p99Us: overall.p99() };
    },
    build(durationMs) {
      const timeline = buildTimeline(seconds, durationMs, lastAtMs);
      return {
        overall: overall.build(durationMs),
        functions: layout.functions.map((f, i) => ({ ...f, ...perFn[i]!.build(durationMs) })),
        workers: layout.workers.map((w, i) => ({
          index: i,
          workerId: w.workerId,
          pid: w.pid,
          ...perWorker[i]!,
          cpuUs: null,
          cpuUsPerInvocation: null,
        })),
        timeline,
      };
    },
  };
}

/** Per second of the run (by answer arrival): its latencies, answers and errors. */
type SecondSlots = Array<{ h: hdr.Histogram; completed: number; errors: number } | undefined>;

/** The slot of the second `atMs` falls in, made when it is the first answer there. */
function secondSlot(seconds: SecondSlots, atMs: number): NonNullable<SecondSlots[number]> {
  const s = Math.max(0, Math.floor(atMs / 1000));
  let slot = seconds[s];
  if (!slot) {
    slot = { h: newHistogram(2), completed: 0, errors: 0 };
    seconds[s] = slot;
  }
  return slot;
}

/**
 * One point per second. The last second is covered up to the end of the window or its last
 * answer, whichever is later: its rate is its answers over that span (the drain's answers
 * included).
 */
function buildTimeline(seconds: SecondSlots, durationMs: number, lastAtMs: number): TimelinePoint[] {
  const timeline: TimelinePoint[] = [];
  // The last second is covered up to the end of the window or its last answer, whichever
  // is later: its rate is its answers over that span (the drain's answers included).
  const endS = Math.max(durationMs, lastAtMs) / 1000;
  const lastSecond = Math.max(seconds.length, Math.ceil(endS));
  for (let s = 0; s < lastSecond; s++) {
    const slot = seconds[s];
    const spanS = Math.max(0.001, Math.round(Math.min(1, Math.max(0, endS - s)) * 1000) / 1000);
    timeline.push(
      slot
        ? {
            second: s,
            spanS,
            completed: slot.completed,
            errors: slot.errors,
            p50Us: valueAt(slot.h, 50),
            p99Us: valueAt(slot.h, 99),
            maxUs: slot.h.maxValue,
            hdr: hdr.encodeIntoCompressedBase64(slot.h),
          }
        : { second: s, spanS, completed: 0, errors: 0, p50Us: 0, p99Us: 0, maxUs: 0 },
    );
  }
  return timeline;
}
