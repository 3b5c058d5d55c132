import { openEventStream } from './raw-grpc.js';
import { createMessageSource } from './messages.js';
import { createLatencyRecorder } from './stats.js';

/**
 * The load patterns of benchmarks 1 and 2, run by a plain grpc-js client against an
 * echo server (directly, or through a proxy). Every pattern checks that each echoed
 * message arrives intact and in order, and reports how many crossed each way, so the
 * caller can compare with what a recording captured.
 */
export interface StreamTally {
  /** Messages the client wrote (toHost through a proxy). */
  sent: number;
  /** Messages the client got back (toWorker through a proxy). */
  received: number;
  /** Echoes whose bytes differed from what was sent at that position. */
  mismatches: number;
  /** The call's final status code (0 = OK). */
  status: number;
  /** CPU the load process used during the measurement, in ms. */
  loadCpuMs: number;
}

export interface ThroughputResult extends StreamTally {
  msgsPerSec: number;
  /** Every message sent, in order (only when asked with `collect`: tests compare it with a recording). */
  messages?: Buffer[];
}

const now = () => Number(process.hrtime.bigint());
const STATUS_TIMEOUT_MS = 15_000;

function finish(call: ReturnType<typeof openEventStream>): Promise<number> {
  call.call.end();
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), STATUS_TIMEOUT_MS).unref());
  return Promise.race([call.done, timeout]).finally(() => call.close());
}

/**
 * Keep `inFlight` messages outstanding on one stream until `count` have come back; the rate
 * counts echoes after the first `warmup` (messages per second, one echo = one message each way).
 */
export async function runThroughput(
  target: string,
  a: { size: number; count: number; inFlight: number; warmup: number; collect?: boolean },
): Promise<ThroughputResult> {
  const source = createMessageSource(a.size);
  const RING = 2048; // > inFlight: the echo of message n is checked against what was sent
  if (a.inFlight >= RING) throw new Error(`inFlight must be < ${RING}`);
  const ring: Buffer[] = new Array(RING);
  const collected: Buffer[] | undefined = a.collect ? [] : undefined;
  const c = openEventStream(target);
  const cpu0 = process.cpuUsage();
  let sent = 0;
  let received = 0;
  let mismatches = 0;
  let waitingDrain = false;
  let tWarm = 0;
  let tEnd = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (sent < a.count && sent - received < a.inFlight) {
        const m = source.next();
        ring[sent % RING] = m;
        if (collected) collected.push(m);
        const ok = c.call.write(m);
        sent += 1;
        if (!ok) {
          waitingDrain = true;
          c.call.once('drain', () => {
            waitingDrain = false;
            pump();
          });
          return;
        }
      }
    };
    c.call.on('data', (b: Buffer) => {
      if (!b.equals(ring[received % RING]!)) mismatches += 1;
      received += 1;
      if (received === a.warmup) tWarm = now();
      if (received === a.count) {
        tEnd = now();
        resolve();
      } else if (!waitingDrain) pump();
    });
    void c.done.then((code) =>
      received < a.count
        ? reject(new Error(`stream ended with status ${code} after ${received}/${a.count} echoes`))
        : undefined,
    );
    pump();
  });
  const cpu = process.cpuUsage(cpu0);
  const status = await finish(c);
  const out: ThroughputResult = {
    sent,
    received,
    mismatches,
    status,
    msgsPerSec: ((a.count - a.warmup) * 1e9) / (tEnd - tWarm),
    loadCpuMs: (cpu.user + cpu.system) / 1000,
  };
  if (collected) out.messages = collected;
  return out;
}

export interface LatencyResult extends StreamTally {
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** For paced runs: p99 measured from the intended send time (includes the sender's own lateness). */
  p99FromScheduleUs?: number;
  /** For paced runs: the rate actually achieved. */
  achievedRate?: number;
}

/** One message in flight: send, wait for its echo, repeat. Round trips after `warmup` are recorded. */
export async function runPingPong(
  target: string,
  a: { size: number; count: number; warmup: number },
): Promise<LatencyResult> {
  const source = createMessageSource(a.size);
  let last = source.next();
  const c = openEventStream(target);
  const rec = createLatencyRecorder();
  const total = a.count + a.warmup;
  let sent = 0;
  let received = 0;
  let mismatches = 0;
  let t0 = 0;
  let cpu0 = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      last = source.next();
      t0 = now();
      c.call.write(last);
      sent += 1;
    };
    c.call.on('data', (b: Buffer) => {
      const rtt = now() - t0;
      if (!b.equals(last)) mismatches += 1;
      received += 1;
      if (received > a.warmup) rec.record(rtt);
      else if (received === a.warmup) cpu0 = process.cpuUsage();
      if (received === total) resolve();
      else send();
    });
    void c.done.then((code) =>
      received < total
        ? reject(new Error(`stream ended with status ${code} after ${received}/${total}`))
        : undefined,
    );
    send();
  });
  const cpu = process.cpuUsage(cpu0);
  const status = await finish(c);
  const out = {
    sent,
    received,
    mismatches,
    status,
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    p50Us: rec.percentileUs(50),
    p99Us: rec.percentileUs(99),
    p999Us: rec.percentileUs(99.9),
    maxUs: rec.maxUs(),
  };
  rec.destroy();
  return out;
}

/**
 * Open-loop: message i is due at start + i/rate whatever the echoes do. The sender wakes
 * every millisecond (a timer, so the load process leaves the CPU to the proxy) and writes
 * every message that is due, i.e. 5 or 10 per tick at 5k or 10k/s. Each echo's round trip
 * is timed from the moment its message was written; the first `warmupSeconds` are not
 * recorded. `p99FromScheduleUs` times from the due instant instead (includes the sender's
 * own lateness).
 */
export async function runPaced(
  target: string,
  a: { size: number; rate: number; seconds: number; warmupSeconds: number },
): Promise<LatencyResult> {
  const source = createMessageSource(a.size);
  const c = openEventStream(target);
  const rec = createLatencyRecorder();
  const fromSchedule = createLatencyRecorder();
  const total = Math.round(a.rate * (a.seconds + a.warmupSeconds));
  const warm = Math.round(a.rate * a.warmupSeconds);
  const interval = 1e9 / a.rate;
  const sentAt = new Float64Array(total);
  const messages: Buffer[] = Array.from({ length: total }, () => source.next());
  let sent = 0;
  let received = 0;
  let mismatches = 0;
  let start = 0;
  let cpu0 = process.cpuUsage();
  let tWarm = 0;
  let tLast = 0;
  await new Promise<void>((resolve, reject) => {
    const tick = () => {
      const t = now();
      while (sent < total && start + sent * interval <= t) {
        sentAt[sent] = now();
        c.call.write(messages[sent]);
        sent += 1;
      }
      // Not a setImmediate busy-poll: on 2 cores it starves the proxy (p50 went from 0.5 to 19 ms).
      if (sent < total) setTimeout(tick, 1);
    };
    c.call.on('data', (b: Buffer) => {
      const t = now();
      if (!b.equals(messages[received]!)) mismatches += 1;
      if (received >= warm) {
        rec.record(t - sentAt[received]!);
        fromSchedule.record(t - (start + received * interval));
      }
      received += 1;
      if (received === warm) {
        cpu0 = process.cpuUsage();
        tWarm = t;
      }
      if (received === total) {
        tLast = t;
        resolve();
      }
    });
    void c.done.then((code) =>
      received < total
        ? reject(new Error(`stream ended with status ${code} after ${received}/${total}`))
        : undefined,
    );
    start = now();
    tick();
  });
  const cpu = process.cpuUsage(cpu0);
  const status = await finish(c);
  const out: LatencyResult = {
    sent,
    received,
    mismatches,
    status,
    loadCpuMs: (cpu.user + cpu.system) / 1000,
    p50Us: rec.percentileUs(50),
    p99Us: rec.percentileUs(99),
    p999Us: rec.percentileUs(99.9),
    maxUs: rec.maxUs(),
    p99FromScheduleUs: fromSchedule.percentileUs(99),
    achievedRate: ((total - warm) * 1e9) / (tLast - tWarm),
  };
  rec.destroy();
  fromSchedule.destroy();
  return out;
}
