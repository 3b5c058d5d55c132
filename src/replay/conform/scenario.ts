/**
 * A conformance scenario: data, not code. One host script (what to send, what to wait for)
 * and the expectations on the worker's answers, with the protocol fact it checks and where
 * that fact comes from. The format is documented in README "Test your language worker";
 * `parseScenarios` is its one validator.
 */

export const LEVELS = ['required', 'recommended', 'capability'] as const;
export type Level = (typeof LEVELS)[number];

export interface Scenario {
  /** Stable, dotted: `area.name` (e.g. `startup.init-response`). */
  id: string;
  title: string;
  level: Level;
  /** The catalogue area (start-up, invocation, ...), for grouping. */
  area: string;
  /** Checked only when the worker advertises this capability (level `capability`, or a recommended check of it). */
  capability?: string;
  /** The protocol facts the scenario checks, one sentence. */
  checks: string;
  /** Where the fact comes from: a proto comment, PROTOCOL.md, a host issue. */
  source: string;
  /** Standard steps run before `steps` (see prelude.ts); absent: none. */
  setup?: Setup;
  steps: Step[];
}

import { SETUPS, setupSteps, type Setup } from './prelude.js';

/** A condition on a received message: proto3 JSON paths (dotted) of the member, plus `requestId`. */
export interface Check {
  path: string;
  /** Equal to this (templates expanded). */
  is?: string | number | boolean;
  /** One of these. */
  oneOf?: (string | number | boolean)[];
  /** Present and not empty ("", [], {} count as empty). */
  nonEmpty?: boolean;
  /** What the failure says instead of the generic text. */
  reason?: string;
  /** Apply only when the invocation of this name called its preferred function (e.g. `sleep`). */
  whenPreferred?: string;
}

/** Which function an invocation calls: the target (`--function` or the first indexed), or a preferred one. */
export interface InvokeStep {
  /** Name of the fresh invocation id (`{{id:NAME}}` in later steps). */
  invoke: string;
  /** Use this function when the worker indexed it (else the target), e.g. `sleep` with `query`. */
  prefer?: string;
  /** Extra query parameters, used only with the preferred function. */
  query?: Record<string, string>;
  /** A body of this many bytes instead of the sample's. */
  bodyBytes?: number;
  /** Send the HTTP body as bytes in `rawBody` (RawHttpBodyBytes). */
  rawBody?: boolean;
  /** Add an input binding of collection type (TypedDataCollection). */
  collection?: boolean;
  /** Append a field no schema has to the message. */
  unknownField?: boolean;
}

export type Step =
  /** Send one StreamingMessage, given as proto3 JSON with `{{...}}` templates. */
  | { send: Record<string, unknown>; unknownField?: boolean }
  /** Send raw bytes (hex): a message functape's schema does not know. */
  | { raw: string }
  | InvokeStep
  /** Load the indexed functions: one request each, one collection, or as advertised. */
  | {
      load: 'each' | 'collection' | 'auto';
      only?: 'target' | 'all';
      expectSuccess?: boolean;
      noWait?: boolean;
    }
  /**
   * Wait for a message of this kind matching `where` (received now or already, not yet
   * claimed), then apply `check`. `count` waits for that many.
   */
  | { expect: string; where?: Record<string, string>; within?: number; check?: Check[]; count?: number }
  /** A message of this kind matching `where` was received so far (claimed or not); all such are claimed. */
  | { seen: string; where?: Record<string, string>; reason?: string }
  /** No message of this kind matching `where` arrives within `for` ms (nor arrived unclaimed). */
  | { absent: string; where?: Record<string, string>; for: number; reason?: string }
  | { wait: number }
  /** The host ends the stream: `ok` (end of call) or `cancel` (a dropped stream). */
  | { end: 'ok' | 'cancel' }
  /** The worker ends its side of the stream within `within` ms. */
  | { halfClose: number }
  /** The worker process exits within `within` ms, with `code` when given. */
  | { exit: { within: number; code?: number } };

export type StepKind =
  | 'send'
  | 'raw'
  | 'invoke'
  | 'load'
  | 'expect'
  | 'seen'
  | 'absent'
  | 'wait'
  | 'end'
  | 'halfClose'
  | 'exit';
const STEP_KINDS: readonly StepKind[] = [
  'send',
  'raw',
  'invoke',
  'load',
  'expect',
  'seen',
  'absent',
  'wait',
  'end',
  'halfClose',
  'exit',
];

/** The step's kind: its one key among `STEP_KINDS`. */
export function stepKind(step: Step): StepKind {
  return STEP_KINDS.find((k) => k in step)!;
}

/**
 * Read scenario files (their parsed JSON: one scenario or `{ "scenarios": [...] }`).
 * Throws an Error naming the file and scenario on the first malformed one; ids are unique.
 */
export function parseScenarios(files: { name: string; json: unknown }[]): Scenario[] {
  const out: Scenario[] = [];
  const ids = new Set<string>();
  for (const file of files) {
    const j = file.json as { scenarios?: unknown };
    const list = Array.isArray(j?.scenarios) ? j.scenarios : [file.json];
    for (const raw of list) {
      const s = validate(raw, file.name);
      if (ids.has(s.id)) throw new Error(`${file.name}: scenario id ${s.id} is used twice`);
      ids.add(s.id);
      out.push(s);
    }
  }
  return out;
}

function validate(raw: unknown, file: string): Scenario {
  const s = raw as Partial<Scenario>;
  const where = `${file}: scenario ${typeof s?.id === 'string' ? s.id : '(no id)'}`;
  if (!s || typeof s !== 'object') throw new Error(`${file}: a scenario is not an object`);
  for (const key of ['id', 'title', 'area', 'checks', 'source'] as const)
    if (typeof s[key] !== 'string' || s[key] === '')
      throw new Error(`${where}: "${key}" must be a non-empty string`);
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(s.id!))
    throw new Error(`${where}: the id must be dotted lower-case words`);
  if (!LEVELS.includes(s.level as Level))
    throw new Error(`${where}: "level" must be one of ${LEVELS.join(', ')}`);
  if (s.level === 'capability' && !s.capability)
    throw new Error(`${where}: a capability scenario names its "capability"`);
  if (!Array.isArray(s.steps) || s.steps.length === 0)
    throw new Error(`${where}: "steps" must be a non-empty list`);
  if (s.setup !== undefined && !SETUPS.includes(s.setup))
    throw new Error(`${where}: "setup" must be one of ${SETUPS.join(', ')}`);
  s.steps.forEach((step, i) => {
    const keys = STEP_KINDS.filter((k) => step && typeof step === 'object' && k in step);
    if (keys.length !== 1)
      throw new Error(`${where}: step ${i + 1} must have exactly one of ${STEP_KINDS.join(', ')}`);
  });
  const { setup, ...rest } = s as Scenario;
  return { ...rest, steps: [...(setup ? setupSteps(setup) : []), ...rest.steps] };
}
