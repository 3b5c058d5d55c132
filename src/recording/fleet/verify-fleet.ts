import type pg from 'pg';
import type { VerifyProblem, VerifyReport } from '../verify-recording.js';
import { PG_SCHEMA_VERSION } from './pg-schema.js';
import { safeUrl } from './pg-connect.js';

interface Row {
  uuid: string;
  host: string;
  local_id: number;
  counted: string;
  ended: boolean;
  unstored: string;
  n: string;
  lo: number | null;
  hi: number | null;
  th: string;
  th_distinct: string;
  th_hi: number | null;
  tw: string;
  tw_distinct: string;
  tw_hi: number | null;
}

/**
 * `verify` of a fleet database, in SQL: per session, seq from 0 without gaps (the primary
 * key rules out repeats), dirSeq from 0 without gaps or repeats per direction, the pushed
 * counts equal the frames, an end, nothing unstored. Read-only.
 */
export async function verifyFleet(client: pg.Client, url: string): Promise<VerifyReport> {
  const rows = (
    await client.query(`
      SELECT s.uuid, s.host, s.local_id, s.to_host + s.to_worker AS counted, s.end_reason IS NOT NULL AS ended,
        s.unstored, count(f.seq) AS n, min(f.seq) AS lo, max(f.seq) AS hi,
        count(*) FILTER (WHERE f.direction = 'toHost') AS th,
        count(DISTINCT f.dir_seq) FILTER (WHERE f.direction = 'toHost') AS th_distinct,
        max(f.dir_seq) FILTER (WHERE f.direction = 'toHost') AS th_hi,
        count(*) FILTER (WHERE f.direction = 'toWorker') AS tw,
        count(DISTINCT f.dir_seq) FILTER (WHERE f.direction = 'toWorker') AS tw_distinct,
        max(f.dir_seq) FILTER (WHERE f.direction = 'toWorker') AS tw_hi
      FROM functape_sessions s
      LEFT JOIN functape_frames f ON f.session_uuid = s.uuid AND f.start_time = s.start_time
      GROUP BY s.uuid ORDER BY min(s.start_wall_ms), s.host, s.local_id`)
  ).rows as Row[];
  const report: VerifyReport = {
    path: safeUrl(url),
    schemaVersion: PG_SCHEMA_VERSION,
    sessions: rows.length,
    frames: 0,
    problems: [],
  };
  for (const r of rows) report.frames += Number(r.n);
  for (const r of rows) report.problems.push(...sessionProblems(r));
  return report;
}

function sessionProblems(r: Row): VerifyProblem[] {
  const name = `session ${r.uuid} (${r.host} #${r.local_id})`;
  const out: VerifyProblem[] = [];
  const add = (kind: VerifyProblem['kind'], message: string) =>
    out.push({ kind, sessionId: r.local_id, message: `${name}: ${message}` });
  const n = Number(r.n);
  if (n > 0 && (r.lo !== 0 || r.hi !== n - 1))
    add('seq-gap', `${n} messages with seq ${r.lo}..${r.hi} (expected 0..${n - 1})`);
  for (const [dir, count, distinct, hi] of [
    ['toHost', r.th, r.th_distinct, r.th_hi],
    ['toWorker', r.tw, r.tw_distinct, r.tw_hi],
  ] as const) {
    const c = Number(count);
    if (c > 0 && (Number(distinct) !== c || hi !== c - 1))
      add('dir-seq-gap', `${dir}: ${c} messages, ${distinct} distinct dirSeq up to ${hi}`);
  }
  if (Number(r.counted) !== n)
    add('count-mismatch', `the session row counts ${r.counted} messages, ${n} stored`);
  if (!r.ended) add('not-ended', 'has no end (still recording, or not pushed to its end yet)');
  if (Number(r.unstored) > 0)
    add('unstored', `${r.unstored} messages were seen but not stored by the recorder`);
  return out;
}
