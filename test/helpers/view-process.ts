import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { openCaptureStore } from '../../src/recording/capture-store.js';
import { SAMPLE_SESSION } from './sample-session.js';

const BIN = resolve(process.cwd(), 'bin/functape');

/** `functape view ARGS` as a child process, once it has printed its one line (the URL). */
export async function startView(
  args: string[],
): Promise<{ url: string; proc: ChildProcess; stop(): Promise<number | null> }> {
  const proc = spawn(process.execPath, [BIN, 'view', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  const url = await new Promise<string>((ok, fail) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('\n')) ok(out.split('\n')[0]!);
    });
    proc.once('exit', (code) => fail(new Error(`functape view exited ${code}: ${err}`)));
  });
  return {
    url,
    proc,
    // SIGINT (a clean stop), and SIGKILL if it has not exited 5 s later.
    stop: () =>
      new Promise((done) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return done(proc.exitCode);
        const kill = setTimeout(() => proc.kill('SIGKILL'), 5_000);
        proc.once('exit', (code) => {
          clearTimeout(kill);
          done(code);
        });
        proc.kill('SIGINT');
      }),
  };
}

/** GET a URL with an optional Host header: status code and body. */
export function get(url: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

/**
 * A session being recorded into `db`, as a recorder writes it: `write` appends frames of the
 * sample session (seq and time as built), `end` ends the session and closes the store.
 */
export async function openLiveSession(
  db: string,
  label: string,
): Promise<{
  id: number;
  write(frames: typeof SAMPLE_SESSION): void;
  /** Resolves once everything written so far is committed (readers of the file see it). */
  flush(): Promise<void>;
  end(): Promise<void>;
}> {
  const store = await openCaptureStore(db, { tuning: { batchMs: 5 } });
  const id = store.allocateSessionId();
  store.write({
    type: 'session-start',
    session: {
      id,
      label,
      startWallMs: Date.now(),
      upstream: 'u',
      path: '/p',
      metadata: {},
      functapeVersion: '',
      schemaVersion: '',
    },
  });
  const dirSeq = { toHost: 0, toWorker: 0 };
  return {
    id,
    write(frames) {
      for (const f of frames)
        store.write({
          type: 'frame',
          frame: {
            sessionId: id,
            seq: f.seq,
            dirSeq: dirSeq[f.direction]++,
            direction: f.direction,
            tNs: f.tNs,
            wallMs: Date.now(),
            compressed: false,
            bytes: f.bytes,
          },
        });
    },
    flush: () => store.flush(),
    async end() {
      store.write({
        type: 'session-end',
        end: {
          id,
          endNs: 60_000_000n,
          endWallMs: Date.now(),
          status: { code: 0, details: '' },
          reason: 'completed',
        },
      });
      await store.close();
    },
  };
}

/** Append the sample session (18 messages, two invocations) to a recording, as a recorder would. */
export async function appendSampleSession(db: string, label: string): Promise<number> {
  const session = await openLiveSession(db, label);
  session.write(SAMPLE_SESSION);
  await session.end();
  return session.id;
}
