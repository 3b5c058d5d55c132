import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  type StreamingMessage,
} from '../codec/streaming-message.js';
import { msg, STATUS } from './messages.js';
import { DRAIN_TIMER, type WorkerEffect, type WorkerProtocol } from './worker-protocol.js';

/**
 * The `conform-*` rows of worker-bugs.ts, as a wrapper around the reference worker's
 * protocol: it looks at each host message before the worker does and at each answer
 * after, and breaks the one rule the bug names (see each row's doc). Without bugs the
 * wrapper is not used at all.
 */
const HELD = 'conform-bug:';
const DELAY_MS = 100;

interface BugState {
  has(name: string): boolean;
  held: Map<string, Uint8Array>;
  initHeld: boolean;
  metadataAnswers: number;
  loadedIds: Set<string>;
  /** The invocation ids the worker answered already. */
  answered: Set<string>;
  /** The current host message (its answers are post-processed against it). */
  incoming?: StreamingMessage;
}

const tryDecode = (bytes: Uint8Array) => {
  try {
    return decodeMessage(bytes);
  } catch {
    return undefined;
  }
};

export function withConformBugs(inner: WorkerProtocol, bugs: ReadonlySet<string>): WorkerProtocol {
  const b: BugState = {
    has: (n) => bugs.has(n),
    held: new Map(),
    initHeld: false,
    metadataAnswers: 0,
    loadedIds: new Set(),
    answered: new Set(),
  };
  return {
    start: () => post(b, inner.start()),
    receive: (bytes) => receive(b, inner, bytes),
    timerFired(id) {
      const held = b.held.get(id);
      if (!held) return post(b, inner.timerFired(id));
      b.held.delete(id);
      b.initHeld = false;
      return receive(b, inner, held, true);
    },
    stats: () => inner.stats(),
  };
}

const exit = (reason: string): WorkerEffect[] => [{ type: 'exit', code: 70, reason }];

function hasUnknownFields(m: StreamingMessage): boolean {
  const v = m.content.value as { $unknown?: unknown[] } | undefined;
  return (m.$unknown?.length ?? 0) > 0 || (v?.$unknown?.length ?? 0) > 0;
}

/** Host message → what the bug does before (or instead of) the worker. */
function receive(b: BugState, inner: WorkerProtocol, bytes: Uint8Array, released = false): WorkerEffect[] {
  const m = tryDecode(bytes);
  const kind = m?.content.case;
  if (b.has('conform-die-on-unknown') && m && kind === undefined) return exit('an unknown message');
  if (b.has('conform-strict-fields') && m && hasUnknownFields(m)) return exit('unknown fields');
  if (b.has('conform-drop-before-init') && !released) {
    if (b.initHeld) return [];
    if (kind === 'workerInitRequest') return hold(b, bytes, 'init', true);
  }
  if (b.has('conform-lazy-load') && !released && kind === 'functionLoadRequest')
    return hold(b, bytes, `load:${b.held.size}`, false);
  if (kind === 'invocationCancel') {
    if (b.has('conform-cancel-ignored')) return [];
    const id = m!.content.value as { invocationId: string };
    if (b.has('conform-answer-cancel') && b.answered.has(id.invocationId)) return cancelled(id.invocationId);
    if (b.has('conform-answer-cancel') && inner.stats().sleeping === 0) return cancelled(id.invocationId);
  }
  b.incoming = m;
  const effects = inner.receive(bytes);
  if (kind === 'workerTerminate' && b.has('conform-terminate-drops'))
    return [...effects.filter((e) => e.type !== 'set-timer'), ...inner.timerFired(DRAIN_TIMER)];
  return post(b, effects);
}

function hold(b: BugState, bytes: Uint8Array, key: string, init: boolean): WorkerEffect[] {
  b.held.set(HELD + key, bytes);
  if (init) b.initHeld = true;
  return [{ type: 'set-timer', id: HELD + key, ms: DELAY_MS }];
}

function cancelled(invocationId: string): WorkerEffect[] {
  const m = makeMessage(msg('invocationResponse', { invocationId, result: { status: STATUS.Cancelled } }));
  return [{ type: 'send', bytes: encodeMessage(m) }];
}

/** The worker's answers → the bug's version of them. */
function post(b: BugState, effects: WorkerEffect[]): WorkerEffect[] {
  const out: WorkerEffect[] = [];
  const late: WorkerEffect[] = [];
  for (const e of effects) {
    if (e.type !== 'send') {
      out.push(e);
      continue;
    }
    const m = tryDecode(e.bytes);
    if (!m) {
      out.push(e);
      continue;
    }
    const verdict = breakAnswer(b, m);
    if (verdict === 'exit') return exit('a load of an unknown function');
    const send: WorkerEffect = { type: 'send', bytes: encodeMessage(m) };
    if (m.content.case === 'rpcLog' && b.has('conform-log-after-response')) late.push(send);
    else out.push(send);
    if (verdict === 'twice') out.push(send);
  }
  return [...out, ...late];
}

function fail(result: { status: number } | undefined): void {
  if (result) result.status = STATUS.Failure;
}

/** Change one answer in place as the bugs say; 'twice' sends it again, 'exit' kills the process. */
function breakAnswer(b: BugState, m: StreamingMessage): 'twice' | 'exit' | undefined {
  const c = m.content;
  switch (c.case) {
    case 'startStream':
      if (b.has('conform-wrong-worker-id')) c.value.workerId = `not-${c.value.workerId}`;
      if (b.has('conform-start-request-id')) m.requestId = '';
      return;
    case 'workerInitResponse':
      if (b.has('conform-init-fail')) fail(c.value.result);
      if (b.has('conform-no-worker-metadata')) c.value.workerMetadata = undefined;
      return;
    case 'functionMetadataResponse':
      if (b.has('conform-metadata-fail')) fail(c.value.result);
      if (b.has('conform-metadata-once') && b.metadataAnswers > 0) c.value.functionMetadataResults = [];
      b.metadataAnswers++;
      return;
    case 'functionLoadResponseCollection':
      if (b.has('conform-collection-partial')) c.value.functionLoadResponses.splice(1);
      for (const r of c.value.functionLoadResponses) loadAnswer(b, r);
      return;
    case 'functionLoadResponse':
      if (b.has('conform-crash-on-unknown-load') && c.value.result?.status !== STATUS.Success) return 'exit';
      loadAnswer(b, c.value);
      return;
    case 'invocationResponse':
      return invocationAnswer(b, c.value);
    case 'functionEnvironmentReloadResponse':
      if (b.has('conform-reload-fail') || (b.has('conform-late-reload-fail') && b.metadataAnswers > 0))
        fail(c.value.result);
      return;
    case 'workerStatusResponse':
      if (b.has('conform-status-no-echo')) m.requestId = '';
      return;
    case 'workerWarmupResponse':
      if (b.has('conform-warmup-fail')) fail(c.value.result);
      return;
    default:
      return;
  }
}

function loadAnswer(b: BugState, r: { functionId: string; result?: { status: number } }): void {
  if (b.has('conform-load-fail')) fail(r.result);
  if (b.has('conform-duplicate-load-fail') && b.loadedIds.has(r.functionId)) fail(r.result);
  b.loadedIds.add(r.functionId);
}

type Answer = Extract<StreamingMessage['content'], { case: 'invocationResponse' }>['value'];

function invocationAnswer(b: BugState, r: Answer): 'twice' | undefined {
  b.answered.add(r.invocationId);
  if (b.has('conform-no-return-value')) r.returnValue = undefined;
  const req = b.incoming?.content.case === 'invocationRequest' ? b.incoming.content.value : undefined;
  const http = req?.inputData.map((d) => d.rpcData.value).map((d) => (d && 'data' in d ? d.data : undefined));
  if (b.has('conform-reject-raw-body') && http?.some((d) => d?.case === 'http' && d.value.rawBody?.data.case))
    fail(r.result);
  if (b.has('conform-reject-collection') && http?.some((d) => d?.case?.startsWith('collection')))
    fail(r.result);
  return b.has('conform-answer-twice') ? 'twice' : undefined;
}
