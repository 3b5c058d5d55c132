// A scripted EventStream session that carries one secret of every kind (see
// src/codec/redact-samples.ts), run through `functape record` between a grpc-js test
// host and a grpc-js test worker. Used by the security tests; kept out of *.test.ts so
// several test files can share it.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { type listenAsHost, dialAsWorker } from '../src/wire/grpc-peer.js';
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import type { SecretSample } from '../src/codec/redact-samples.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FUNCTAPE_BIN = join(REPO, 'bin', 'functape');

/** The database file and its -wal/-journal, as raw bytes: what an attacker with the file would see. */
export function databaseBytes(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`, `${path}-journal`].filter(existsSync).map((p) => readFileSync(p)),
  );
}

export interface FunctapeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (signal name when killed). */
  exited: Promise<number | string>;
}

export function startFunctape(args: string[]): FunctapeProcess {
  const child = spawn(process.execPath, [FUNCTAPE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string>((res) =>
    child.on('exit', (code, signal) => res(code ?? signal ?? -1)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Wait for `listening on HOST:PORT` on stdout; fails (and kills the process) after `ms`. */
export async function listeningAddress(p: FunctapeProcess, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = /listening on (\S+?),?\s/.exec(p.stdout());
    if (m) return m[1]!;
    if (p.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  p.child.kill('SIGKILL');
  throw new Error(`functape did not print "listening on" (stdout: ${p.stdout()} stderr: ${p.stderr()})`);
}

export interface SessionOutcome {
  /** What the host received, in order (StartStream first). */
  hostGot: Uint8Array[];
  /** What the worker received, in order. */
  workerGot: Uint8Array[];
  sentToHost: Uint8Array[];
  sentToWorker: Uint8Array[];
}

/**
 * Run one session through a proxy at `proxyAddress`: the host (on `host`) sends every
 * toWorker sample after StartStream and ends the call OK once it has every toHost
 * sample; the worker sends StartStream and the toHost samples.
 */
export async function runSecretSession(
  host: Awaited<ReturnType<typeof listenAsHost>>,
  proxyAddress: string,
  samples: SecretSample[],
  timeoutMs = 20_000,
): Promise<SessionOutcome> {
  const start = encodeMessage(
    makeMessage({ requestId: 'req-1', content: { case: 'startStream', value: { workerId: 'worker-sec' } } }),
  );
  const sentToHost = [start, ...samples.filter((s) => s.direction === 'toHost').map((s) => s.bytes)];
  const sentToWorker = samples.filter((s) => s.direction === 'toWorker').map((s) => s.bytes);
  const hostGot: Uint8Array[] = [];
  const workerGot: Uint8Array[] = [];
  const hostDone = new Promise<void>((resolveHost) => {
    host.onStream((d) => {
      d.onMessage((bytes) => {
        hostGot.push(Uint8Array.from(bytes));
        if (hostGot.length === 1) for (const b of sentToWorker) d.send(b);
        if (hostGot.length === sentToHost.length) {
          d.end();
          resolveHost();
        }
      });
    });
  });
  const worker = dialAsWorker({ address: proxyAddress });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(
      () =>
        rej(
          new Error(
            `session timed out: host got ${hostGot.length}/${sentToHost.length}, worker got ${workerGot.length}/${sentToWorker.length}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const gotAll = new Promise<void>((r) => {
      worker.onMessage((bytes) => {
        workerGot.push(Uint8Array.from(bytes));
        if (workerGot.length === sentToWorker.length) r();
      });
    });
    worker.send(start);
    // The rest only after the host's messages arrived, so the recorded order is deterministic.
    await Promise.race([gotAll, timeout]);
    for (const b of sentToHost.slice(1)) worker.send(b);
    worker.end();
    await Promise.race([Promise.all([hostDone, worker.done]), timeout]);
  } finally {
    clearTimeout(timer);
    worker.cancel();
  }
  return { hostGot, workerGot, sentToHost, sentToWorker };
}

/** The wire is never touched: each peer received exactly the bytes the other sent. */
export function assertWireUntouched(o: SessionOutcome): void {
  assert.deepEqual(
    o.hostGot.map((b) => Buffer.from(b).toString('hex')),
    o.sentToHost.map((b) => Buffer.from(b).toString('hex')),
    'host received the worker bytes unchanged',
  );
  assert.deepEqual(
    o.workerGot.map((b) => Buffer.from(b).toString('hex')),
    o.sentToWorker.map((b) => Buffer.from(b).toString('hex')),
    'worker received the host bytes unchanged',
  );
}
