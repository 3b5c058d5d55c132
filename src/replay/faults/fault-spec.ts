/**
 * Fault specs as typed on the command line (`--fault SPEC`), parsed into data. Every
 * refusal is one line naming the spec and the accepted forms; nothing here has effects.
 *
 * Host faults (`replay host`): `delay:KIND[:FUNCTION]=DUR[~JITTER]`, `reorder`,
 * `reorder:early-load|early-invoke|late-reload` (also written bare: `early-load`),
 * `cancel:FUNCTION@DUR`, `dup:KIND@P%`, `drop:KIND@P%`, `stall:DUR/EVERY`, `break@N`.
 * Worker faults (`replay worker`): `delay-answer:FUNCTION=DUR`, `drop-answer:FUNCTION@P%`,
 * `crash@N`. KIND is a StreamingMessage kind (`invocationRequest`) or a short alias.
 */
export type HostFault =
  | { type: 'delay'; kind: string; functionName?: string; ms: number; jitterMs: number }
  | { type: 'reorder' }
  | { type: 'early-load' }
  | { type: 'early-invoke' }
  | { type: 'late-reload' }
  | { type: 'cancel'; functionName: string; afterMs: number }
  | { type: 'dup'; kind: string; percent: number }
  | { type: 'drop'; kind: string; percent: number }
  | { type: 'stall'; ms: number; everyMs: number }
  | { type: 'break'; afterMessages: number };

export type WorkerFault =
  | { type: 'delay-answer'; functionName: string; ms: number }
  | { type: 'drop-answer'; functionName: string; percent: number }
  | { type: 'crash'; afterMessages: number };

/** Short names for host message kinds. */
const KIND_ALIASES: Readonly<Record<string, string>> = {
  invocation: 'invocationRequest',
  cancel: 'invocationCancel',
  status: 'workerStatusRequest',
  load: 'functionLoadRequest',
  init: 'workerInitRequest',
  metadata: 'functionsMetadataRequest',
  reload: 'functionEnvironmentReloadRequest',
  warmup: 'workerWarmupRequest',
  terminate: 'workerTerminate',
};

const HOST_KINDS = new Set([...Object.values(KIND_ALIASES), 'functionLoadRequestCollection']);

/**
 * Kinds `drop` and `dup` accept: their consequence stays with the message (its own answer),
 * where dropping a load or an init would change every answer after it.
 */
export const DROPPABLE_KINDS: ReadonlySet<string> = new Set([
  'invocationRequest',
  'invocationCancel',
  'workerStatusRequest',
]);

const HOST_FORMS =
  'delay:KIND[:FUNCTION]=DUR[~JITTER], reorder[:early-load|early-invoke|late-reload], ' +
  'cancel:FUNCTION@DUR, dup:KIND@P%, drop:KIND@P%, stall:DUR/EVERY, break@N';
const WORKER_FORMS = 'delay-answer:FUNCTION=DUR, drop-answer:FUNCTION@P%, crash@N';

class SpecError extends Error {}

/** Milliseconds from `250`, `250ms`, `1.5s` (a bare number is ms). */
export function parseFaultDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  if (!m) throw new SpecError(`${what} must be a duration like 250ms or 1.5s, got "${text}"`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

function percent(text: string): number {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(text.trim());
  const p = m ? Number(m[1]) : Number.NaN;
  if (!(p > 0 && p <= 100))
    throw new SpecError(`the probability must be like 25% (0 < P ≤ 100), got "${text}"`);
  return p;
}

function count(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new SpecError(`N must be a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

function hostKind(text: string): string {
  const kind = KIND_ALIASES[text] ?? text;
  if (!HOST_KINDS.has(kind))
    throw new SpecError(
      `unknown message kind "${text}" (use a host message kind such as invocationRequest, or ${Object.keys(KIND_ALIASES).join(', ')})`,
    );
  return kind;
}

function name(text: string | undefined, what: string): string {
  if (!text) throw new SpecError(`${what} needs a function name`);
  return text;
}

function parseHost(spec: string): HostFault {
  const bare = /^(?:reorder:)?(early-load|early-invoke|late-reload)$/.exec(spec);
  if (bare) return { type: bare[1] as 'early-load' };
  if (spec === 'reorder') return { type: 'reorder' };
  const brk = /^break@(.*)$/.exec(spec);
  if (brk) return { type: 'break', afterMessages: count(brk[1]!) };
  const [head, rest = ''] = splitOnce(spec, ':');
  switch (head) {
    case 'delay': {
      const [target, value] = splitOnce(rest, '=');
      if (value === undefined) throw new SpecError('delay needs =DUR');
      const [kind, fn] = splitOnce(target, ':');
      const [dur, jitter] = splitOnce(value, '~');
      return {
        type: 'delay',
        kind: hostKind(kind),
        ...(fn ? { functionName: fn } : {}),
        ms: parseFaultDuration(dur, 'DUR'),
        jitterMs: jitter === undefined ? 0 : parseFaultDuration(jitter, 'JITTER'),
      };
    }
    case 'cancel': {
      const [fn, dur] = splitOnce(rest, '@');
      if (dur === undefined) throw new SpecError('cancel needs @DUR');
      return { type: 'cancel', functionName: name(fn, 'cancel'), afterMs: parseFaultDuration(dur, 'DUR') };
    }
    case 'dup':
    case 'drop': {
      const [k, p] = splitOnce(rest, '@');
      if (p === undefined) throw new SpecError(`${head} needs @P%`);
      const kind = hostKind(k);
      if (!DROPPABLE_KINDS.has(kind))
        throw new SpecError(`${head} takes only ${[...DROPPABLE_KINDS].join(', ')} (not ${kind})`);
      return { type: head, kind, percent: percent(p) };
    }
    case 'stall': {
      const [dur, every] = splitOnce(rest, '/');
      if (every === undefined) throw new SpecError('stall needs DUR/EVERY');
      const ms = parseFaultDuration(dur, 'DUR');
      const everyMs = parseFaultDuration(every, 'EVERY');
      if (!(ms > 0 && everyMs > ms)) throw new SpecError('stall needs 0 < DUR < EVERY');
      return { type: 'stall', ms, everyMs };
    }
  }
  throw new SpecError('unknown fault');
}

function parseWorker(spec: string): WorkerFault {
  const crash = /^crash@(.*)$/.exec(spec);
  if (crash) return { type: 'crash', afterMessages: count(crash[1]!) };
  const [head, rest = ''] = splitOnce(spec, ':');
  if (head === 'delay-answer') {
    const [fn, dur] = splitOnce(rest, '=');
    if (dur === undefined) throw new SpecError('delay-answer needs =DUR');
    return { type: 'delay-answer', functionName: name(fn, head), ms: parseFaultDuration(dur, 'DUR') };
  }
  if (head === 'drop-answer') {
    const [fn, p] = splitOnce(rest, '@');
    if (p === undefined) throw new SpecError('drop-answer needs @P%');
    return { type: 'drop-answer', functionName: name(fn, head), percent: percent(p) };
  }
  throw new SpecError('unknown fault');
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + sep.length)];
}

function withForms<T>(spec: string, forms: string, parse: (s: string) => T): T {
  try {
    return parse(spec.trim());
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    throw new Error(`--fault ${spec}: ${err.message} (forms: ${forms})`);
  }
}

/** A `replay host` fault; throws one line naming the spec and the forms. */
export function parseHostFault(spec: string): HostFault {
  return withForms(spec, HOST_FORMS, parseHost);
}

/** A `replay worker` fault; throws one line naming the spec and the forms. */
export function parseWorkerFault(spec: string): WorkerFault {
  return withForms(spec, WORKER_FORMS, parseWorker);
}

/** The spec as typed, from its data (for reports). */
export function formatFault(f: HostFault | WorkerFault): string {
  switch (f.type) {
    case 'delay':
      return `delay:${f.kind}${f.functionName ? `:${f.functionName}` : ''}=${f.ms}ms${f.jitterMs ? `~${f.jitterMs}ms` : ''}`;
    case 'cancel':
      return `cancel:${f.functionName}@${f.afterMs}ms`;
    case 'dup':
    case 'drop':
      return `${f.type}:${f.kind}@${f.percent}%`;
    case 'stall':
      return `stall:${f.ms}ms/${f.everyMs}ms`;
    case 'break':
    case 'crash':
      return `${f.type}@${f.afterMessages}`;
    case 'delay-answer':
      return `delay-answer:${f.functionName}=${f.ms}ms`;
    case 'drop-answer':
      return `drop-answer:${f.functionName}@${f.percent}%`;
    default:
      return f.type;
  }
}
