import type { Duplex } from '../model/duplex.js';
import type { BenchIncident } from '../report/bench-incidents.js';
import type { BenchReport } from '../report/bench-report.js';
import type { BenchSource, BenchTemplate } from './bench-source.js';
import type { InvocationIds } from './invocation-ids.js';
import type { Pacer } from './pacer.js';
import type { RecordedSpace } from '../replay/recorded-space.js';

/** The load driver's inputs and outputs (see `runBenchLoad`). */

/** One live worker stream, set up (init, metadata, loads done) and ready for invocations. */
export interface BenchTarget {
  duplex: Duplex;
  workerId: string;
  pid: number | null;
  /** The live function id for a recorded one on this stream. */
  liveFunctionId(recordedFunctionId: string): string;
  /** This stream's ids (worker, functions, requests) and directory as the setup replay mapped them. */
  space: RecordedSpace;
}

/** Compares a live answer with its recorded counterpart; returns the differences (empty: same). */
export type AnswerVerifier = (
  template: BenchTemplate,
  live: { answer: Uint8Array; logs: Uint8Array[]; invocationId: string; target: number },
) => Array<{ path: string; recorded: string; actual: string }>;

export interface BenchProgress {
  elapsedMs: number;
  phase: 'warmup' | 'measure' | 'drain';
  /** Measured answers so far and their errors. */
  completed: number;
  errors: number;
  p99Us: number;
  /** Answers per second over the last progress interval (warmup included). */
  recentRate: number;
  inFlight: number;
  /** The load level the pacer asks for now: a rate (open loop) or a concurrency (closed loop). */
  level: number;
}

export interface BenchDriverOptions {
  pacer: Pacer;
  source: BenchSource;
  targets: BenchTarget[];
  /** After sending stops, how long to wait for the answers still in flight. */
  drainTimeoutMs: number;
  verify?: AnswerVerifier;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
  progressIntervalMs?: number;
  /** Monotonic ms (default performance.now). */
  now?: () => number;
  /** The run's invocation ids (default: fresh random ones). */
  ids?: InvocationIds;
  cpuUsage?: () => { user: number; system: number };
  /** CPU time (µs) of each target's worker process so far, null where unknown; sampled with the generator's. */
  workerCpu?: () => Array<number | null>;
}

/** What the load phase measured: the figures part of a BenchReport, plus when it started. */
export type BenchRunResult = Pick<
  BenchReport,
  | 'durationMs'
  | 'stopReason'
  | 'overall'
  | 'functions'
  | 'workers'
  | 'timeline'
  | 'warmup'
  | 'generator'
  | 'verify'
> & { startedAtWallMs: number; incidents: BenchIncident[] };
