import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { openRecording } from '../src/recording/open-recording.js';
import { copyRows, FRAME_COPY_COLUMNS } from '../src/recording/fleet/copy-rows.js';
import { ensurePartition, migrateFleet } from '../src/recording/fleet/pg-schema.js';
import { ADD_INVOCATIONS } from '../src/recording/fleet/invocation-fold.js';
import { insertRollups } from '../src/recording/fleet/rollups.js';
import { pgBinDir, startPgServer, type PgServer } from '../test/helpers/pg-server.js';
import { bigRecording, goldenFiles } from '../test/fleet-helpers.js';
import type { Benchmark, BenchContext, BenchResult, Metric } from './lib/benchmark.js';
import { interleave, metric } from './lib/benchmark.js';
import { FUNCTAPE_BIN } from './lib/proc.js';

/** Seconds a command takes, as a child process (start-up included, as a user would see it). */
function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  execFileSync(cmd, args, { stdio: 'ignore' });
  return (performance.now() - t0) / 1000;
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text, params);
  } finally {
    await c.end();
  }
}

/** A fresh database with functape's schema and the partition of `startWallMs`'s day. */
export async function fleetDatabase(server: PgServer, name: string, startWallMs: number): Promise<string> {
  const url = server.database(name);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await migrateFleet(c);
  await ensurePartition(c, startWallMs);
  await c.end();
  return url;
}

/**
 * `count` frames in 100 sessions of one day, made in SQL: invocations of four messages
 * (request, RpcLog, response, a status message), ten functions, 2% failures, varied times.
 */
export async function syntheticFrames(url: string, count: number): Promise<void> {
  const per = Math.ceil(count / 100);
  const day = Date.UTC(2026, 11, 1);
  await sql(
    url,
    `INSERT INTO functape_sessions (uuid, host, local_id, start_time, start_wall_ms, upstream, path, metadata,
       functape_version, schema_version, to_host, to_worker, next_seq, end_reason)
     SELECT md5(s::text)::uuid, 'host-' || (s % 10), s, to_timestamp(($1::float8 + s * 60000) / 1000.0), $1::float8 + s * 60000,
       '', '', '{}', '', '', $2 * 3 / 4, $2 / 4, $2, 'completed'
     FROM generate_series(0, 99) s`,
    [day, per],
  );
  await sql(
    url,
    `INSERT INTO functape_frames
     SELECT md5(s::text)::uuid, to_timestamp(($1::float8 + s * 60000) / 1000.0), k, k / 4,
       CASE WHEN k % 4 = 0 THEN 'toWorker' ELSE 'toHost' END,
       (k / 4)::bigint * 10000000 + (k % 4) * (((k / 4) * 7919) % 5000 + 1) * 1000, $1::float8 + s * 60000 + k, false,
       (ARRAY['invocationRequest', 'rpcLog', 'invocationResponse', 'workerStatusResponse'])[k % 4 + 1],
       NULL, CASE WHEN k % 4 < 3 THEN 'inv-' || (k / 4) END, CASE WHEN k % 4 = 0 THEN 'fn' || ((k / 4) % 10) END,
       300, false, NULL, CASE WHEN k % 4 = 2 THEN CASE WHEN (k / 4) % 50 = 0 THEN 0 ELSE 1 END END, '\\x00'::bytea
     FROM generate_series(0, 99) s, generate_series(0, $2 - 1) k`,
    [day, per],
  );
  // what push keeps beside the frames: one row per invocation
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const sessions = (await c.query('SELECT uuid, start_time::text AS t FROM functape_sessions')).rows;
  for (const s of sessions as { uuid: string; t: string }[])
    await c.query(ADD_INVOCATIONS, [s.uuid, s.t, 0, per]);
  await c.query(insertRollups('s.end_reason IS NOT NULL')); // and what it writes when a session ends
  await c.end();
  await sql(url, 'ANALYZE');
}

/**
 * Benchmark 12: the fleet database. Push throughput (messages/s) of `functape push` of one
 * session vs `psql`'s `\copy` of the same rows from a file (the engine's own limit; both
 * timed as processes, each into a fresh database), and `functape stats --by function` over
 * synthetic frames (10 million in a full run) in one PostgreSQL started for the run.
 */
export const fleetBenchmark: Benchmark = {
  id: 12,
  title: 'Fleet: push vs psql \\copy; stats over many frames',
  async run(ctx: BenchContext): Promise<BenchResult> {
    const server = startPgServer();
    try {
      const count = ctx.quick ? 50_000 : 200_000;
      const db = join(ctx.tmp, 'fleet.db');
      bigRecording((await goldenFiles(ctx.tmp))['reference-mixed']!, db, count);
      const rec = openRecording(db);
      const s = rec.sessions()[0]!;
      // the same rows push sends: COPY's binary format (start_time in µs since 2000-01-01)
      const startUs = BigInt(Math.round(s.startWallMs * 1000)) - 946_684_800_000_000n;
      let bytes = 0;
      const rows = join(ctx.tmp, 'rows.copy');
      writeFileSync(
        rows,
        Buffer.concat([
          ...copyRows(s.uuid!, startUs, rec.frames(s.id), (f) => (bytes += f.bytes.byteLength)),
        ]),
      );
      rec.close();
      const psql = join(pgBinDir()!, 'psql');
      let n = 0;
      const r = await interleave(
        ctx.runs,
        async (i) => {
          const url = await fleetDatabase(server, `copy${(n += 1)}`, s.startWallMs);
          const secs = timed(psql, [
            url,
            '-qc',
            `\\copy functape_frames (${FRAME_COPY_COLUMNS}) FROM '${rows}' WITH (FORMAT binary)`,
          ]);
          ctx.log(`  psql \\copy run ${i + 1}: ${Math.round(count / secs)} messages/s`);
          return count / secs;
        },
        async (i) => {
          const url = await fleetDatabase(server, `push${(n += 1)}`, s.startWallMs);
          // The same kind of database as psql's (the schema and the day's partition made
          // beforehand, ~30-60 ms that a first push spends once). The push's own figure
          // (connect, read, COPY, the session and invocation rows): not Node's start-up, which
          // the stats row shows (psql starts in milliseconds).
          const out = execFileSync(
            process.execPath,
            [FUNCTAPE_BIN, 'push', '--db', db, '--to', url, '--quiet'],
            {
              encoding: 'utf8',
            },
          );
          const secs = Number(/ in ([\d.]+) s /.exec(out)?.[1] ?? Number.NaN);
          ctx.log(
            `  functape push run ${i + 1}: ${Math.round(count / secs)} messages/s, ${(bytes / secs / 1e6).toFixed(1)} MB/s`,
          );
          return count / secs;
        },
        ctx.log,
      );
      const frames = ctx.quick ? 1_000_000 : 10_000_000;
      const statsUrl = await fleetDatabase(server, 'stats', Date.UTC(2026, 11, 1));
      await syntheticFrames(statsUrl, frames);
      const statsSecs: number[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        statsSecs.push(
          timed(process.execPath, [FUNCTAPE_BIN, 'stats', '--db', statsUrl, '--by', 'function']),
        );
        ctx.log(`  stats --by function over ${frames} frames run ${i + 1}: ${statsSecs[i]!.toFixed(2)} s`);
      }
      const metrics: Metric[] = [
        metric(
          'push-messages-per-sec',
          `push, ${count} messages (${(bytes / 1048576).toFixed(0)} MiB)`,
          'messages/s',
          r.b,
          r.a.slice(0, r.b.length || undefined),
          { target: { kind: 'ratio-min', value: 0.8 }, text: "≥ 0.8× psql's \\copy" },
          r.error,
        ),
        metric('stats-seconds', `stats --by function, ${frames / 1e6}M frames`, 's', statsSecs, undefined, {
          target: { kind: 'max', value: 2 },
          text: '≤ 2 s',
        }),
      ];
      return {
        id: 12,
        title: this.title,
        baseline: "psql's \\copy of the same rows from a file",
        metrics,
        runs: [{ count, bytes, psql: r.a, push: r.b, frames, statsSecs }],
        notes: [`push MB/s = messages/s × ${(bytes / count).toFixed(0)} B (the stored message bytes)`],
        ...(r.error ? { error: r.error } : {}),
      };
    } finally {
      server.stop();
    }
  },
};
