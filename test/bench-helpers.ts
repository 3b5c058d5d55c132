// Test helpers for bench: a real recorded session of the scripted host (peers/host-runner)
// against the reference worker, captured in-process, and written to a recording file.
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../src/model/frame.js';
import type { ReplayFrame } from '../src/replay/replay-frame.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';

/** The repository root (this file runs as dist/test/bench-helpers.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = join(REPO, 'bin', 'functape');
/** The reference worker as a worker command line. */
export const WORKER = `${process.execPath} ${BIN} worker`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `functape ARGS` as a user would; killed (and the test fails) after `timeoutMs`. */
export function functape(
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`functape ${args.join(' ')} took longer than ${options.timeoutMs ?? 60_000} ms\n${stderr}`),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * Make a recording as a user would: `functape host` driving the reference worker through
 * `functape wrap --db FILE` (the recording shim), `n` invocations of `functions` cycled;
 * `workerFlags` are added to the worker's command line.
 */
export async function recordWithWrap(
  db: string,
  functions: string[],
  n: number,
  workerFlags = '',
): Promise<void> {
  const worker =
    `${process.execPath} ${BIN} wrap --db ${db} -- ${process.execPath} ${BIN} worker ${workerFlags}`.trim();
  const r = await functape(['host', '--worker', worker, '-n', String(n), '-f', functions.join(',')]);
  if (r.code !== 0) throw new Error(`recording failed (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
}

/** Write frames as session 1 of a new recording file. */
export function writeRecording(path: string, frames: readonly ReplayFrame[]): number {
  const w = createRecordingWriter(path, { redact: false });
  const startWallMs = Date.now();
  const id = w.addSession({
    id: 1,
    startWallMs,
    upstream: '',
    path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
    metadata: {},
    functapeVersion: 'test',
    schemaVersion: 'test',
  });
  const dirSeq = { toHost: 0, toWorker: 0 };
  for (const f of frames) {
    const frame: Frame = {
      sessionId: id,
      seq: f.seq,
      dirSeq: dirSeq[f.direction]++,
      direction: f.direction,
      tNs: f.tNs,
      wallMs: startWallMs + Number(f.tNs) / 1e6,
      compressed: false,
      bytes: f.bytes,
    };
    w.addFrame(frame);
  }
  const last = frames[frames.length - 1];
  w.endSession({
    id,
    endNs: last ? last.tNs : 0n,
    endWallMs: Date.now(),
    status: { code: 0, details: 'OK' },
    reason: 'completed',
  });
  w.close();
  return id;
}
