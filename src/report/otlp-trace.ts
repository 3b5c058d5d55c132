import { createHash } from 'node:crypto';
import type { StoredFrame } from '../model/frame.js';
import type { SessionInfo } from '../model/session.js';
import { createInvocationEvents, type InvocationEnd } from './invocation-events.js';

/**
 * OpenTelemetry traces as OTLP/JSON lines (the otlpjsonfile receiver's input: one
 * `TracesData` object a line). Each invocation is one SERVER span from its request to its
 * answer, named after its function, with the FaaS semantic conventions (`faas.invocation_id`,
 * `faas.trigger` on the span, `faas.name` on its resource: one resource per function) and its
 * RpcLogs as span events.
 *
 * A request that carries a W3C `traceparent` (InvocationRequest.trace_context) joins the host's
 * trace: same trace id, the host's span as parent, its trace state. Without one the span starts
 * a trace of its own. Ids that are not taken from the host are derived from the session and the
 * invocation id (the same recording always exports the same file).
 *
 * Spans are written in batches of `BATCH` answers; memory follows the invocations in flight.
 */
const BATCH = 256;
const SPAN_KIND_SERVER = 2;
const STATUS_ERROR = 2;
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
/** Span.flags: the W3C trace flags, plus "knows whether the parent is remote" and "it is". */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

type AnyValue = { stringValue: string } | { intValue: string } | { boolValue: boolean };
type KeyValue = { key: string; value: AnyValue };

export interface OtlpSession {
  /** OTLP/JSON lines (without newlines) that this frame completes a batch of. */
  frame(frame: StoredFrame): string[];
  /** The rest: spans still in a batch, and spans for invocations never answered (ended at `lastNs`). */
  end(lastNs: bigint): string[];
}

export function createOtlpSession(session: SessionInfo, functapeVersion: string): OtlpSession {
  const events = createInvocationEvents({ keepLogs: true });
  const startNs = BigInt(Math.floor(session.startWallMs)) * 1_000_000n;
  const startFracNs = BigInt(Math.round((session.startWallMs % 1) * 1e6));
  const unixNs = (tNs: bigint) => String(startNs + startFracNs + tNs);
  let batch: Array<{ fn: string; span: object }> = [];

  function span(e: InvocationEnd): object {
    const inv = e.invocation;
    const own = createHash('sha256')
      .update(`${session.startWallMs}/${session.id}/${inv.invocationId}`)
      .digest('hex');
    const parent = inv.traceParent ? parseTraceParent(inv.traceParent) : undefined;
    const attributes: KeyValue[] = [
      str('faas.invocation_id', inv.invocationId),
      str('faas.trigger', inv.trigger),
      str('functape.function_id', inv.functionId),
      str('functape.status', e.status),
      int('functape.request_bytes', inv.requestBytes),
      int('functape.response_bytes', e.responseBytes),
    ];
    if (e.cancelled) attributes.push({ key: 'functape.cancelled', value: { boolValue: true } });
    const failed = e.status !== 'Success' && e.status !== 'none';
    return {
      traceId: parent?.traceId ?? own.slice(0, 32),
      spanId: own.slice(32, 48),
      ...(parent ? { parentSpanId: parent.spanId } : {}),
      ...(parent && inv.traceState ? { traceState: inv.traceState } : {}),
      flags: parent ? parent.flags | HAS_IS_REMOTE | IS_REMOTE : HAS_IS_REMOTE,
      name: inv.functionName,
      kind: SPAN_KIND_SERVER,
      startTimeUnixNano: unixNs(inv.start.tNs),
      endTimeUnixNano: unixNs(e.at.tNs),
      attributes,
      events: e.logs.map((log) => ({
        timeUnixNano: unixNs(log.at.tNs),
        name: 'RpcLog',
        attributes: [str('level', log.level), str('category', log.category), str('message', log.message)],
      })),
      status: failed ? { code: STATUS_ERROR, message: e.error ?? e.status } : {},
    };
  }

  function line(): string {
    const byFunction = new Map<string, object[]>();
    for (const { fn, span } of batch) {
      const spans = byFunction.get(fn) ?? [];
      spans.push(span);
      byFunction.set(fn, spans);
    }
    batch = [];
    const resourceSpans = [...byFunction].map(([fn, spans]) => ({
      resource: { attributes: resource(session, fn) },
      scopeSpans: [{ scope: { name: 'functape', version: functapeVersion }, spans }],
    }));
    return JSON.stringify({ resourceSpans });
  }

  function add(ends: InvocationEnd[]): string[] {
    for (const e of ends) batch.push({ fn: e.invocation.functionName, span: span(e) });
    return batch.length >= BATCH ? [line()] : [];
  }

  return {
    frame: (f) => add(events.frame(f).filter((e): e is InvocationEnd => e.type === 'end')),
    end(lastNs) {
      const endNs = session.end && session.end.endNs > lastNs ? session.end.endNs : lastNs;
      const lines = add(
        events.finish({ tNs: endNs, wallMs: session.startWallMs + Number(endNs) / 1e6, seq: -1 }),
      );
      if (batch.length > 0) lines.push(line());
      return lines;
    },
  };
}

function resource(session: SessionInfo, fn: string): KeyValue[] {
  const attributes = [
    str('service.name', session.label || 'azure-functions-worker'),
    str('faas.name', fn),
    int('functape.session.id', session.id),
  ];
  if (session.workerId) attributes.push(str('faas.instance', session.workerId));
  return attributes;
}

/** A W3C traceparent's ids; undefined when it is malformed or an all-zero id. */
export function parseTraceParent(
  value: string,
): { traceId: string; spanId: string; flags: number } | undefined {
  const m = TRACEPARENT.exec(value.trim());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  return { traceId: m[2]!, spanId: m[3]!, flags: Number.parseInt(m[4]!, 16) };
}

function str(key: string, value: string): KeyValue {
  return { key, value: { stringValue: value } };
}

function int(key: string, value: number): KeyValue {
  return { key, value: { intValue: String(value) } };
}
