import type { ReplayOutcome } from '../report/replay-report.js';
import { createAnswerKeyer } from './answer-key.js';
import type { CausalPlan, ExpectedAnswer } from './causal-plan.js';
import type { LogGroup } from './log-group-outcome.js';
import { LOG_KIND } from './replay-frame.js';
import { functionNames } from './rewrite-host-message.js';

/** One recorded non-log answer and what became of it live. */
export interface AnswerState {
  expected: ExpectedAnswer;
  key: string;
  deadlineMs?: number;
  outcome?: ReplayOutcome;
}

/**
 * The recorded worker side of a plan, indexed for matching: non-log answers by key (in
 * recorded order), RpcLogs grouped per invocation, both by the host message they answer,
 * and names for the report (function id → name, invocation → function id).
 */
export interface ExpectedAnswers {
  answers: AnswerState[];
  byKey: Map<string, AnswerState>;
  logGroups: Map<string, LogGroup>;
  byTrigger: Map<number | undefined, Array<AnswerState | LogGroup>>;
  /** request_ids of the recorded status requests (their answers are keyed by them). */
  statusIds: Set<string>;
  functionName: Map<string, string>;
  invocationFunction: Map<string, string>;
}

export function indexExpectedAnswers(plan: CausalPlan): ExpectedAnswers {
  const statusIds = new Set(
    plan.steps
      .filter((s) => s.frame.kind === 'workerStatusRequest' && s.frame.requestId)
      .map((s) => s.frame.requestId!),
  );
  const keyer = createAnswerKeyer(statusIds);
  const functionName = new Map<string, string>();
  const invocationFunction = new Map<string, string>();
  for (const s of plan.steps) {
    for (const f of functionNames(s.frame.bytes)) if (f.name) functionName.set(f.functionId, f.name);
    if (s.frame.kind === 'invocationRequest' && s.frame.invocationId)
      invocationFunction.set(s.frame.invocationId, s.frame.functionId ?? '');
  }
  const answers: AnswerState[] = [];
  const byKey = new Map<string, AnswerState>();
  const logGroups = new Map<string, LogGroup>();
  const byTrigger = new Map<number | undefined, Array<AnswerState | LogGroup>>();
  const addTriggered = (t: number | undefined, x: AnswerState | LogGroup) => {
    const list = byTrigger.get(t) ?? [];
    list.push(x);
    byTrigger.set(t, list);
  };
  for (const e of plan.answers) {
    const key = keyer.key(e.frame);
    if (e.frame.kind === LOG_KIND) {
      let g = logGroups.get(key);
      if (!g) {
        g = {
          key,
          trigger: e.trigger,
          recorded: [],
          live: [],
          firstSeq: e.frame.seq,
          invocationId: e.frame.invocationId,
        };
        logGroups.set(key, g);
        addTriggered(e.trigger, g);
      }
      g.recorded.push(e.frame.bytes);
      continue;
    }
    const a: AnswerState = { expected: e, key };
    answers.push(a);
    byKey.set(key, a);
    addTriggered(e.trigger, a);
  }
  return { answers, byKey, logGroups, byTrigger, statusIds, functionName, invocationFunction };
}
