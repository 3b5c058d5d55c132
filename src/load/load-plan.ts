import { parseDuration } from './duration.js';
import type { BenchLoad } from '../report/bench-report.js';
import type { LoadPlan } from './pacer.js';
import { parseStages } from './stages.js';

/** The load flags as typed (strings and numbers straight from the command line). */
export interface LoadFlags {
  concurrency?: number;
  rate?: number;
  stages?: string;
  duration?: string;
  invocations?: number;
  warmup?: string;
}

/** Closed-loop concurrency when neither --concurrency nor --rate is given. */
export const DEFAULT_CONCURRENCY = 10;
/** Measured window when neither --duration, --invocations nor --stages says how long. */
export const DEFAULT_DURATION_MS = 10_000;

/**
 * Resolve the load flags into a plan. Rules: `--rate` (or stage targets written `N/s`)
 * selects the open loop, where `--concurrency` caps in-flight; otherwise the closed loop
 * keeps `--concurrency` in flight. Stages ramp that level from the base (`--rate` /
 * `--concurrency`, 0 when absent) and, without `--duration`, set the run's length.
 * `--duration` and `--invocations` exclude each other. Throws a user-facing message.
 */
export function resolveLoadPlan(flags: LoadFlags): LoadPlan {
  const stages = flags.stages !== undefined ? parseStages(flags.stages) : [];
  const rateStages = stages.some((s) => s.rate);
  const open = flags.rate !== undefined || rateStages;
  if (flags.rate !== undefined && !(flags.rate >= 0 && Number.isFinite(flags.rate)))
    throw new Error(`--rate must be a number ≥ 0 (got ${flags.rate})`);
  if (flags.concurrency !== undefined && !(Number.isInteger(flags.concurrency) && flags.concurrency >= 1))
    throw new Error(`--concurrency must be a whole number ≥ 1 (got ${flags.concurrency})`);
  if (flags.duration !== undefined && flags.invocations !== undefined)
    throw new Error('give either --duration or --invocations, not both');
  if (flags.invocations !== undefined && !(Number.isInteger(flags.invocations) && flags.invocations >= 1))
    throw new Error(`--invocations must be a whole number ≥ 1 (got ${flags.invocations})`);
  if (open && flags.rate === undefined && stages.length === 0)
    throw new Error('--rate is required for the open loop');
  if (open && flags.rate === 0 && stages.length === 0)
    throw new Error('--rate 0 sends nothing: give a rate or --stages');

  const warmupMs = flags.warmup !== undefined ? parseDuration(flags.warmup) : 0;
  const stagesMs = stages.reduce((a, s) => a + s.durationMs, 0);
  let durationMs: number;
  if (flags.duration !== undefined) durationMs = parseDuration(flags.duration);
  else if (flags.invocations !== undefined) durationMs = Infinity;
  else durationMs = stages.length > 0 ? stagesMs : DEFAULT_DURATION_MS;
  if (!(durationMs > 0)) throw new Error('--duration must be longer than 0');

  const concurrency = open
    ? (flags.concurrency ?? Infinity)
    : (flags.concurrency ?? (stages.length > 0 ? 0 : DEFAULT_CONCURRENCY));
  const plan: LoadPlan = {
    model: open ? 'open' : 'closed',
    concurrency,
    rate: flags.rate ?? 0,
    stages,
    warmupMs,
    durationMs,
    invocations: flags.invocations ?? Infinity,
  };
  if (flags.invocations !== undefined && stages.length > 0 && stages[stages.length - 1]!.target === 0)
    throw new Error('--invocations with stages that end at 0 may never finish: use --duration');
  return plan;
}

/** One line saying what the plan does, for the summary and the report. */
export function describeLoadPlan(plan: LoadPlan): string {
  const cap =
    plan.model === 'open' && Number.isFinite(plan.concurrency)
      ? `, at most ${plan.concurrency} in flight`
      : '';
  const unit = plan.model === 'open' ? '/s' : '';
  const base = plan.model === 'open' ? plan.rate : plan.concurrency;
  const level =
    plan.stages.length > 0
      ? `${plan.model} loop, ${plan.model === 'open' ? 'rate' : 'concurrency'} ${base}${unit} → ${plan.stages.map((s) => `${s.target}${unit} over ${s.durationMs / 1000}s`).join(' → ')}${cap}`
      : plan.model === 'open'
        ? `open loop at ${plan.rate}/s${cap}`
        : `closed loop, ${plan.concurrency} in flight`;
  const stop = Number.isFinite(plan.invocations)
    ? `${plan.invocations} invocations`
    : `${plan.durationMs / 1000}s`;
  const warm = plan.warmupMs > 0 ? ` after ${plan.warmupMs / 1000}s warmup` : '';
  return `${level}; ${stop}${warm}`;
}

/** The plan as a bench report states it (`report.load`), with the number of worker processes. */
export function benchLoad(plan: LoadPlan, workers: number): BenchLoad {
  return {
    model: plan.model,
    concurrency: Number.isFinite(plan.concurrency) ? plan.concurrency : null,
    rate: plan.model === 'open' ? plan.rate : null,
    stages: plan.stages.map((s) => ({ durationMs: s.durationMs, target: s.target })),
    warmupMs: plan.warmupMs,
    durationMs: Number.isFinite(plan.durationMs) ? plan.durationMs : null,
    invocations: Number.isFinite(plan.invocations) ? plan.invocations : null,
    workers,
    description: describeLoadPlan(plan),
  };
}
