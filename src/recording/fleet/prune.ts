import type pg from 'pg';

export interface PrunePlan {
  /** Sessions that started before this instant (a UTC midnight) go. */
  beforeMs: number;
  partitions: string[];
  sessions: number;
  frames: number;
  /** Carried out (false for a dry run). */
  done: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Retention: remove every session that started on a UTC day wholly before `cutoffMs` by
 * dropping that day's frames partition (no row-by-row delete) and deleting its session rows,
 * in one transaction. Sessions of the day `cutoffMs` falls in stay. A dry run only reports.
 */
export async function pruneFleet(client: pg.Client, cutoffMs: number, dryRun: boolean): Promise<PrunePlan> {
  const beforeMs = Math.floor(cutoffMs / DAY_MS) * DAY_MS;
  const names = (
    await client.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'functape_frames'::regclass ORDER BY c.relname`,
    )
  ).rows as { name: string }[];
  const partitions = names
    .map((r) => r.name)
    .filter((n) => {
      const m = /^functape_frames_(\d{4})(\d{2})(\d{2})$/.exec(n);
      return m !== null && Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + DAY_MS <= beforeMs;
    });
  const counted = (
    await client.query(
      `SELECT count(*) AS sessions, coalesce(sum(to_host + to_worker), 0) AS frames FROM functape_sessions
       WHERE start_time < to_timestamp($1::double precision / 1000)`,
      [beforeMs],
    )
  ).rows[0] as { sessions: string; frames: string };
  const plan: PrunePlan = {
    beforeMs,
    partitions,
    sessions: Number(counted.sessions),
    frames: Number(counted.frames),
    done: false,
  };
  if (dryRun) return plan;
  await client.query('BEGIN');
  try {
    await client.query(
      'DELETE FROM functape_sessions WHERE start_time < to_timestamp($1::double precision / 1000)',
      [beforeMs],
    );
    for (const p of partitions) {
      await client.query(`DROP TABLE ${p}`);
      await client.query(`DROP TABLE IF EXISTS ${p.replace('functape_frames_', 'functape_invocations_')}`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
  return { ...plan, done: true };
}
