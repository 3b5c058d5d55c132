import type { BenchComparison } from './bench-compare.js';
import type { BenchIncident } from './bench-incidents.js';

/**
 * The result of one `functape bench` run, as plain data (what `--json` writes and
 * `--compare` reads back). Printers render it; nothing here formats.
 *
 * Invariants: every figure covers the measured window only (warmup excluded);
 * `completed` equals the sum of `statuses`; latencies are microseconds from the moment
 * an invocation was *meant* to be sent (its scheduled time in the open loop, its send
 * time in the closed loop) to the arrival of its InvocationResponse; percentiles are
 * non-decreasing p50 ≤ p90 ≤ p99 ≤ p99.9 ≤ p99.99 ≤ max.
 */
export interface BenchReport {
  format: 'functape-bench';
  formatVersion: 1;
  functapeVersion: string;
  /** ISO time the measured window started. */
  startedAt: string;
  source: BenchSource;
  load: BenchLoad;
  /** Length of the measured window: warmup end to the last measured answer (or the end of sending, if later). */
  durationMs: number;
  /** Why the run ended. */
  stopReason: 'done' | 'interrupted' | 'worker-broke';
  /** Figures over all functions. */
  overall: Figures;
  /** Per function, in recorded order of first invocation. */
  functions: FunctionFigures[];
  workers: WorkerFigures[];
  /** One point per second of the measured window, by answer arrival. */
  timeline: TimelinePoint[];
  warmup: { sent: number; completed: number };
  generator: GeneratorFigures;
  verify?: VerifyFigures;
  /** With --compare: the deltas against the baseline and the verdict. */
  comparison?: BenchComparison & { baseline: string };
  machine: MachineInfo;
  /** What went wrong during the load phase, as data (absent in reports from before it was recorded). */
  incidents?: BenchIncident[];
  /** Other things worth knowing, as text (a worker's stderr, setup answers that differed). */
  notes: string[];
  /** A report made by `bench merge`: the runs it adds, one per machine. */
  machines?: BenchMachine[];
}

/** One machine's part of a merged report (`BenchReport.machines`). */
export interface BenchMachine {
  /** The report file it came from, as given. */
  file: string;
  hostname: string;
  startedAt: string;
  /** Where its timeline starts in the merged one, whole seconds after the earliest start. */
  offsetS: number;
  durationMs: number;
  stopReason: BenchReport['stopReason'];
  load: string;
  workers: number;
  completed: number;
  errors: number;
  throughput: number;
  p99Us: number | null;
}

export interface BenchSource {
  db: string;
  sessionId: number;
  /** How many recorded InvocationRequests the load cycles through. */
  templates: number;
  /**
   * Recorded invocations left out because the host cancelled them before their answer (a
   * clone would not be cancelled and would hold its in-flight slot). Absent in reports
   * written before functape left them out.
   */
  cancelledLeftOut?: number;
  workerCommand: string;
}

export interface BenchLoad {
  model: 'open' | 'closed';
  /** Closed: in flight; open: cap on in-flight (null = none). */
  concurrency: number | null;
  rate: number | null;
  stages: Array<{ durationMs: number; target: number }>;
  warmupMs: number;
  durationMs: number | null;
  invocations: number | null;
  workers: number;
  description: string;
}

export interface LatencySummary {
  minUs: number;
  meanUs: number;
  stdevUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
}

export interface Figures {
  /** Invocations sent in the measured window. */
  sent: number;
  /** Answers received (InvocationResponses), = sum of statuses. */
  completed: number;
  /** Sent but never answered before the run stopped. */
  unanswered: number;
  /**
   * Open loop: meant to be sent in the measured window but never sent, held back by the
   * in-flight cap until the run ended (the worker fell that far behind). Not in `sent`.
   */
  backlog: number;
  /** Completed with a status other than Success. */
  errors: number;
  /** completed per second of the measured window. */
  throughput: number;
  /** Counts by StatusResult.status name (Success, Failure, Cancelled, or `none` when absent). */
  statuses: Record<string, number>;
  latency: LatencySummary | null;
  /** The latency percentile curve (for plots): percentile → µs. */
  percentiles: Array<{ percentile: number; us: number }>;
  /** Latency histogram with log-spaced buckets [fromUs, toUs). */
  histogram: Array<{ fromUs: number; toUs: number; count: number }>;
  /** RpcLog messages that carried a measured invocation's id. */
  rpcLogs: number;
  rpcLogsPerInvocation: number;
  /** The whole HDR histogram (hdr-histogram-js compressed base64), for merging and re-analysis. */
  hdr: string;
}

export interface FunctionFigures extends Figures {
  name: string;
  /** The function id in the recording. */
  recordedFunctionId: string;
}

export interface WorkerFigures {
  index: number;
  workerId: string;
  pid: number | null;
  sent: number;
  completed: number;
  errors: number;
  /**
   * CPU time of the worker process over the measured window (user + system, µs), and per
   * invocation it completed: what the generator's own figure compares with. The process
   * itself only, not processes it started; null where the OS does not tell (non-Linux).
   */
  cpuUs: number | null;
  cpuUsPerInvocation: number | null;
}

export interface TimelinePoint {
  /** Seconds since the measured window started (this point covers [second, second+1)). */
  second: number;
  /**
   * How much of this second the run covers (1 but for the last, partial one): up to the end of
   * the measured window or the last answer, whichever is later, so `completed / spanS` is the
   * true rate also for the answers still in flight when sending stopped.
   */
  spanS: number;
  completed: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
  /**
   * This second's latency histogram (hdr-histogram-js compressed base64, 2 significant
   * digits), what `bench merge` adds; absent in seconds without answers and in reports
   * written before it was recorded.
   */
  hdr?: string;
}

export interface GeneratorFigures {
  /** process.cpuUsage over the measured window. */
  cpuUserUs: number;
  cpuSystemUs: number;
  /** (user + system) / completed: the tool's own cost per invocation. */
  cpuUsPerInvocation: number;
  /** Mean lateness of sends behind their schedule (open loop), µs: high means the generator could not keep up. */
  meanSendLagUs: number;
  maxSendLagUs: number;
}

export interface VerifyFigures {
  compared: number;
  matched: number;
  differed: number;
  /** A few differing answers, for the reader. */
  samples: Array<{
    function: string;
    differences: Array<{ path: string; recorded: string; actual: string }>;
  }>;
}

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryMb: number;
  node: string;
  loadAverage: number[];
}

/** Type guard for a parsed JSON file meant to be a bench report (used by --compare). */
export function isBenchReport(value: unknown): value is BenchReport {
  const v = value as Partial<BenchReport> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.format === 'functape-bench' &&
    typeof v.overall === 'object' &&
    v.overall !== null &&
    typeof v.overall.throughput === 'number'
  );
}
