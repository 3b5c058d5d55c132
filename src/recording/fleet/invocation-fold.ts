import { type PushRow, R, toHost } from './push-row.js';

/** What functape_invocations keeps of one invocation (see pg-schema), from the frames seen so far. */
interface Invocation {
  functionId: string | null;
  reqNs: Ns | null;
  resNs: Ns | null;
  status: number | null;
  cancels: number;
  logs: number;
  toHost: number;
  toWorker: number;
}

/** How a row that is already there takes a chunk's row: one invocation's messages may span chunks. */
const MERGE = `
ON CONFLICT (session_uuid, invocation_id, start_time) DO UPDATE SET
  function_id = coalesce(i.function_id, excluded.function_id),
  req_ns = least(i.req_ns, excluded.req_ns),
  res_ns = least(i.res_ns, excluded.res_ns),
  status = coalesce(i.status, excluded.status),
  cancels = i.cancels + excluded.cancels,
  logs = i.logs + excluded.logs,
  to_host = i.to_host + excluded.to_host,
  to_worker = i.to_worker + excluded.to_worker`;

/** Fold the invocations `invocationFold` gathered ($3.. as its `params`) into functape_invocations. */
export const UPSERT_INVOCATIONS = `
INSERT INTO functape_invocations AS i
SELECT $1::uuid, $2::timestamptz, * FROM unnest($3::text[], $4::text[], $5::bigint[], $6::bigint[],
  $7::smallint[], $8::integer[], $9::integer[], $10::bigint[], $11::bigint[])${MERGE}`;

/**
 * The same fold in SQL, of frames already in functape_frames (seq in [$3, $4)): for frames
 * that were written by SQL rather than pushed (the benchmark's synthetic ones).
 */
export const ADD_INVOCATIONS = `
INSERT INTO functape_invocations AS i
SELECT session_uuid, start_time, invocation_id,
  max(function_id) FILTER (WHERE kind = 'invocationRequest'),
  min(t_ns) FILTER (WHERE kind = 'invocationRequest'),
  min(t_ns) FILTER (WHERE kind = 'invocationResponse'),
  max(status) FILTER (WHERE kind = 'invocationResponse'),
  count(*) FILTER (WHERE kind = 'invocationCancel'),
  count(*) FILTER (WHERE kind = 'rpcLog'),
  coalesce(sum(size) FILTER (WHERE direction = 'toHost'), 0),
  coalesce(sum(size) FILTER (WHERE direction = 'toWorker'), 0)
FROM functape_frames
WHERE session_uuid = $1 AND start_time = $2::timestamptz AND seq >= $3 AND seq < $4 AND invocation_id IS NOT NULL
GROUP BY session_uuid, start_time, invocation_id${MERGE}`;

/** t_ns as read: a number, or text/bigint beyond 2^53 (compared as integers, never as text). */
type Ns = number | bigint;
const ns = (v: number | string | bigint): Ns => (typeof v === 'string' ? BigInt(v) : v);
const min = (a: Ns | null, v: number | string | bigint): Ns => {
  const b = ns(v);
  return a === null || b < a ? b : a;
};

/**
 * Gathers, in Node while a chunk's frames are being sent, what ADD_INVOCATIONS would compute
 * from them in the database: per invocation id, the request's function and time, the first
 * response's time and (largest) status, cancels, RpcLogs and wire bytes each way. Looks at
 * a row's fields only (never decodes its message): the status comes from copyPages.
 */
export function invocationFold() {
  const all = new Map<string, Invocation>();
  return {
    add(r: PushRow, status: number | undefined): void {
      const id = r[R.invocationId];
      if (id === null) return;
      let v = all.get(id);
      if (!v) {
        v = {
          functionId: null,
          reqNs: null,
          resNs: null,
          status: null,
          cancels: 0,
          logs: 0,
          toHost: 0,
          toWorker: 0,
        };
        all.set(id, v);
      }
      const kind = r[R.kind];
      if (kind === 'invocationRequest') {
        const fn = r[R.functionId];
        if (fn !== null && (v.functionId === null || fn > v.functionId)) v.functionId = fn;
        v.reqNs = min(v.reqNs, r[R.tNs]);
      } else if (kind === 'invocationResponse') {
        v.resNs = min(v.resNs, r[R.tNs]);
        if (status !== undefined && (v.status === null || status > v.status)) v.status = status;
      } else if (kind === 'invocationCancel') v.cancels++;
      else if (kind === 'rpcLog') v.logs++;
      if (toHost(r)) v.toHost += r[R.size];
      else v.toWorker += r[R.size];
    },
    /** UPSERT_INVOCATIONS's parameters from $3 on: one array per column. */
    params(): unknown[][] {
      const rows = [...all];
      const col = <T>(get: (v: Invocation) => T) => rows.map(([, v]) => get(v));
      const big = (n: Ns | null) => (n === null ? null : n.toString());
      return [
        rows.map(([id]) => id),
        col((v) => v.functionId),
        col((v) => big(v.reqNs)),
        col((v) => big(v.resNs)),
        col((v) => v.status),
        col((v) => v.cancels),
        col((v) => v.logs),
        col((v) => v.toHost),
        col((v) => v.toWorker),
      ];
    },
  };
}
