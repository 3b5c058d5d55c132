import type { JsonValue } from '@bufbuild/protobuf';

/**
 * The report of `functape conform`: plain data, rendered by conform-text (table, catalogue),
 * conform-junit and JSON as is. One result per scenario selected, in catalogue order.
 */

export type ConformLevel = 'required' | 'recommended' | 'capability';
export type ConformStatus = 'pass' | 'fail' | 'skipped';

/** What the catalogue says about a scenario (also what `--list` prints). */
export interface ScenarioInfo {
  id: string;
  title: string;
  level: ConformLevel;
  area: string;
  capability?: string;
  checks: string;
  source: string;
}

export interface ConformMessage {
  direction: 'toWorker' | 'toHost';
  atMs: number;
  kind: string;
  json: JsonValue | null;
}

export interface ConformResult {
  scenario: ScenarioInfo;
  status: ConformStatus;
  /** One line: why it failed or was skipped ('' on a pass). */
  reason: string;
  /** 1-based step (setup steps included) that decided a failure or skip. */
  step?: number;
  durationMs: number;
  /** Whether the worker opened its stream at all. */
  connected: boolean;
  /** The worker's exit, when it exited before it was stopped. */
  exit?: { code: number | null; signal: string | null };
  /** The worker's last output lines (failures only). */
  workerTail?: string[];
  /** Every message of the run (failures only). */
  messages?: ConformMessage[];
  /** The recording of the failed run (`--record-failures`). */
  recording?: string;
}

export interface ConformReport {
  worker: string;
  appDirectory: string;
  /** The capabilities the worker advertised (from the first run that got an init answer). */
  capabilities: string[];
  results: ConformResult[];
  counts: Record<ConformStatus, number> & { requiredFailed: number };
  /** Set when no scenario's worker ever opened its stream: it cannot start at all. */
  cannotStart?: string;
}

export function summarize(base: Omit<ConformReport, 'counts'>): ConformReport {
  const counts = { pass: 0, fail: 0, skipped: 0, requiredFailed: 0 };
  for (const r of base.results) {
    counts[r.status]++;
    if (r.status === 'fail' && r.scenario.level === 'required') counts.requiredFailed++;
  }
  return { ...base, counts };
}

/** 0 every required scenario passed; 1 one failed; 3 the worker cannot start at all. */
export function conformExitCode(report: ConformReport): number {
  if (report.cannotStart) return 3;
  return report.counts.requiredFailed > 0 ? 1 : 0;
}
