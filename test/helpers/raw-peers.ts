// Raw-byte test peers over grpc-js (wire/grpc-peer: identity serializers, nothing decoded),
// a recording proxy to put between them, and ways to read back what was recorded. Peers
// log every message they send and receive, so tests compare what really crossed.
//
// Also runnable as a child process (for kill tests):
//   node raw-peers.js worker ADDRESS COUNT   dial, send COUNT messages "m<i>", print "sent <i>" per echo, wait
//   node raw-peers.js host                   listen on 127.0.0.1:0, print "listening on PORT", echo everything
//   node raw-peers.js hostargs-worker ARGS   a worker as a host starts it (see peerMain)
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dialAsWorker, listenAsHost, type HostListener, type PeerDuplex } from '../../src/wire/grpc-peer.js';
import type { Metadata, StreamStatus } from '../../src/model/session.js';
import type { StoredFrame } from '../../src/model/frame.js';
import type { SessionInfo } from '../../src/model/session.js';
import { openCaptureStore } from '../../src/recording/capture-store.js';
import { openRecording } from '../../src/recording/open-recording.js';
import { startRecordingProxy, type RecordingProxy } from '../../src/cli/recording-proxy.js';

/** The repository root (this file runs as dist/test/helpers/raw-peers.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FUNCTAPE = [process.execPath, join(REPO, 'bin', 'functape')];
export const THIS_FILE = fileURLToPath(import.meta.url);

/** A fresh temp directory, removed by the returned cleanup. */
export function tempDir(prefix = 'functape-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Count and a running SHA-256 over a sequence of messages (length-prefixed so boundaries count). */
export function createRunningHash() {
  const hash = createHash('sha256');
  let count = 0;
  return {
    update(bytes: Uint8Array): void {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      hash.update(len);
      hash.update(bytes);
      count += 1;
    },
    get count() {
      return count;
    },
    digest: () => `${count}:${hash.copy().digest('hex')}`,
  };
}

export interface LoggedDuplex {
  duplex: PeerDuplex;
  sent: Uint8Array[];
  received: Uint8Array[];
  send(bytes: Uint8Array): Promise<void>;
}

/** Log what a duplex sends and receives; `send` waits for drain when the transport asks. */
export function logged(
  duplex: PeerDuplex,
  onMessage?: (bytes: Uint8Array, self: LoggedDuplex) => void,
): LoggedDuplex {
  const self: LoggedDuplex = {
    duplex,
    sent: [],
    received: [],
    async send(bytes) {
      self.sent.push(bytes);
      if (!duplex.send(bytes)) await duplex.drained();
    },
  };
  duplex.onMessage((bytes) => {
    self.received.push(Buffer.from(bytes));
    onMessage?.(bytes, self);
  });
  return self;
}

export interface TestHost {
  listener: HostListener;
  address: string;
  /** Every stream opened on this host, in order, with its logs. */
  streams: LoggedDuplex[];
  /** Resolves with the n-th stream (0-based) once a worker opened it. */
  stream(n: number): Promise<LoggedDuplex>;
  close(): Promise<void>;
}

/** How a test host treats each stream it accepts (default: echo, then end OK when the worker ends). */
export type HostBehavior = (stream: LoggedDuplex) => void;

/** Echo every message back; while the echo cannot be sent, stop reading (backpressure). */
export const echo: HostBehavior = (s) => {
  let waiting = false;
  s.duplex.onMessage((bytes) => {
    s.received.push(Buffer.from(bytes));
    const copy = Buffer.from(bytes);
    s.sent.push(copy);
    if (!s.duplex.send(copy) && !waiting) {
      waiting = true;
      s.duplex.pause();
      void s.duplex.drained().then(() => {
        waiting = false;
        s.duplex.resume();
      });
    }
  });
};

export const echoUntilEnd =
  (trailers?: Metadata): HostBehavior =>
  (s) => {
    echo(s);
    void s.duplex.peerEnded.then(() =>
      s.duplex.end({ code: 0, details: 'OK', ...(trailers ? { metadata: trailers } : {}) }),
    );
  };

export async function startTestHost(
  behavior: HostBehavior = echoUntilEnd(),
  host = '127.0.0.1',
): Promise<TestHost> {
  const listener = await listenAsHost({ host, port: 0 });
  const streams: LoggedDuplex[] = [];
  const waiters: (() => void)[] = [];
  listener.onStream((duplex) => {
    const s: LoggedDuplex = {
      duplex,
      sent: [],
      received: [],
      async send(bytes) {
        s.sent.push(bytes);
        if (!duplex.send(bytes)) await duplex.drained();
      },
    };
    streams.push(s);
    behavior(s);
    for (const w of waiters.splice(0)) w();
  });
  return {
    listener,
    address: listener.address,
    streams,
    async stream(n) {
      while (streams.length <= n) await new Promise<void>((r) => waiters.push(r));
      return streams[n]!;
    },
    close: () => listener.close(200),
  };
}

export function dialTestWorker(address: string, metadata?: Metadata): LoggedDuplex {
  return logged(dialAsWorker({ address, ...(metadata ? { metadata } : {}) }));
}

/** An in-process recording proxy (the one `record` runs) with a real SQLite store. */
export async function startTestProxy(
  upstream: string,
  db: string,
  options: { onStoreError?: 'forward' | 'fail'; maxBytes?: number; redact?: false; listenHost?: string } = {},
): Promise<RecordingProxy & { warnings: string[] }> {
  const [host, port] = splitAddress(upstream);
  const store = await openCaptureStore(db, {
    redact: options.redact ?? false,
    onStoreError: options.onStoreError ?? 'forward',
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
  });
  const warnings: string[] = [];
  const proxy = await startRecordingProxy({
    listen: { host: options.listenHost ?? '127.0.0.1', port: 0 },
    upstream: { host, port },
    store,
    onStoreError: options.onStoreError ?? 'forward',
    warn: (line) => warnings.push(line),
  });
  return Object.assign(proxy, { warnings });
}

export function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i).replace(/^\[|\]$/g, ''), Number(address.slice(i + 1))];
}

export interface RecordedSession {
  info: SessionInfo;
  toHost: StoredFrame[];
  toWorker: StoredFrame[];
  all: StoredFrame[];
}

/** Every session of a recording with its frames (opened read-only, closed again). */
export function readRecording(db: string): RecordedSession[] {
  const rec = openRecording(db);
  try {
    return rec.sessions().map((info) => {
      const all = [...rec.frames(info.id)];
      return {
        info,
        all,
        toHost: all.filter((f) => f.direction === 'toHost'),
        toWorker: all.filter((f) => f.direction === 'toWorker'),
      };
    });
  } finally {
    rec.close();
  }
}

/** Same messages, same bytes, same order (messages as Buffers for readable diffs). */
export function hexList(list: Iterable<Uint8Array | { bytes: Uint8Array }>): string[] {
  return [...list].map((x) => Buffer.from('bytes' in x ? x.bytes : x).toString('hex'));
}

/** A status without the volatile bits grpc-js adds (date, content-type) for comparisons. */
export function stableStatus(status: StreamStatus): StreamStatus {
  const metadata = { ...(status.metadata ?? {}) };
  delete metadata.date;
  delete metadata['content-type'];
  return {
    code: status.code,
    details: status.details,
    ...(Object.keys(metadata).length ? { metadata } : {}),
  };
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** A child process whose stdout lines can be awaited. */
export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line matching `re`. */
  line(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function startChild(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Child {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const watchers: (() => void)[] = [];
  const split = (sink: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop()!;
      sink.push(...lines);
      for (const w of watchers.slice()) w();
    };
  };
  proc.stdout!.on('data', split(stdout));
  proc.stderr!.on('data', split(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    proc.once('exit', (code, signal) => {
      res({ code, signal });
      for (const w of watchers.slice()) w();
    }),
  );
  return {
    proc,
    stdout,
    stderr,
    exited,
    line(re, ms = 15_000) {
      return withTimeout(
        new Promise<RegExpMatchArray>((res, rej) => {
          const check = () => {
            for (const l of stdout) {
              const m = re.exec(l);
              if (m) {
                watchers.splice(watchers.indexOf(check), 1);
                res(m);
                return;
              }
            }
            if (proc.exitCode !== null || proc.signalCode !== null)
              rej(
                new Error(
                  `${cmd} exited (${proc.exitCode ?? proc.signalCode}) before printing ${re}; stderr: ${stderr.join(' | ')}`,
                ),
              );
          };
          watchers.push(check);
          check();
        }),
        ms,
        `${re} from ${cmd} ${args.join(' ')}`,
      );
    },
    kill(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
  };
}

/** `functape record` as a real process; resolves once it prints its listening line. */
export async function startRecordProcess(args: string[]): Promise<Child & { address: string }> {
  const child = startChild(FUNCTAPE[0]!, [FUNCTAPE[1]!, 'record', ...args]);
  try {
    const m = await child.line(/listening on (\S+?),/, 30_000);
    return Object.assign(child, { address: m[1]! });
  } catch (err) {
    child.kill('SIGKILL'); // never leave a process behind
    throw err;
  }
}

/** Start this file as a peer process (see the header). */
export function startPeerProcess(mode: 'worker' | 'host', args: string[] = []): Child {
  return startChild(process.execPath, [THIS_FILE, mode, ...args]);
}

async function peerMain(argv: string[]): Promise<void> {
  const [mode, address, countText] = argv;
  if (mode === 'host') {
    const host = await startTestHost();
    process.stdout.write(`listening on ${host.listener.port}\n`);
    return;
  }
  if (mode === 'worker') {
    const w = dialTestWorker(address!);
    const count = Number(countText ?? 1);
    w.duplex.onMessage((bytes) => {
      w.received.push(bytes);
      process.stdout.write(`echo ${w.received.length} ${Buffer.from(bytes).toString('hex')}\n`);
    });
    for (let i = 0; i < count; i++) await w.send(Buffer.from(`m${i}`));
    process.stdout.write(`sent ${count}\n`);
    const end = await w.duplex.done;
    process.stdout.write(`done ${end.status.code} ${end.status.details}\n`);
    return;
  }
  if (mode === 'hostargs-worker') {
    // A worker as a host starts it: host args anywhere in argv (either form). Prints what
    // it was given, talks to the host it was pointed at, exits with EXIT_CODE.
    const rest = argv.slice(1);
    const { parseHostArgs } = await import('../../src/peers/host-args.js');
    const parsed = parseHostArgs(rest);
    if (!parsed.ok) throw new Error(parsed.error);
    process.stdout.write(
      `given ${JSON.stringify({ argv: rest, cwd: process.cwd(), env: process.env.FUNCTAPE_TEST_VAR ?? null })}\n`,
    );
    process.on('SIGTERM', () => {
      process.stdout.write('got SIGTERM\n');
      process.exit(Number(process.env.EXIT_CODE ?? 0));
    });
    const address = `${parsed.args.host.includes(':') ? `[${parsed.args.host}]` : parsed.args.host}:${parsed.args.port}`;
    const w = dialTestWorker(address, { 'x-worker-id': [parsed.args.workerId] });
    for (const text of ['hello', 'from', parsed.args.workerId]) await w.send(Buffer.from(text));
    while (w.received.length < 3) await new Promise((r) => setTimeout(r, 5));
    process.stdout.write(`echoed ${w.received.map((b) => Buffer.from(b).toString()).join(',')}\n`);
    if (rest.includes('--stay')) {
      setInterval(() => {}, 1000);
      return;
    }
    w.duplex.end();
    const end = await w.duplex.done;
    process.stdout.write(`done ${end.status.code}\n`);
    process.exitCode = Number(process.env.EXIT_CODE ?? 0);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

// `node --test dist/` also runs every file under test/ with no arguments: do nothing then.
if (process.argv[1] === THIS_FILE && ['worker', 'host', 'hostargs-worker'].includes(process.argv[2] ?? '')) {
  peerMain(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`raw-peers: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = 1;
  });
}
