import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LatencyResult, ThroughputResult } from './load-patterns.js';

/** A load-generating child process (the grpc-js client) and its echo "host" server process; see load-agent.ts. */
export interface LoadAgent {
  /** Port of the agent's echo server (the upstream a proxy forwards to). */
  serverPort: number;
  /** Pid of the echo server's process (to read its CPU time: the grpc-js endpoint's cost). */
  serverPid: number;
  pid: number;
  throughput(
    target: string,
    args: { size: number; count: number; inFlight: number; warmup: number },
  ): Promise<ThroughputResult>;
  pingPong(target: string, args: { size: number; count: number; warmup: number }): Promise<LatencyResult>;
  paced(
    target: string,
    args: { size: number; rate: number; seconds: number; warmupSeconds: number },
  ): Promise<LatencyResult>;
  close(): Promise<void>;
}

const AGENT = fileURLToPath(new URL('./load-agent.js', import.meta.url));

export async function startLoadAgent(): Promise<LoadAgent> {
  const child: ChildProcess = fork(AGENT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  let next = 1;
  const ready = await new Promise<{ port: number; serverPid: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`load agent exited (${code}) before it was ready`)));
    child.on('message', (m: any) => {
      if (m.ready) return resolve({ port: m.port, serverPid: m.serverPid });
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`load agent exited (${code})`));
    pending.clear();
  });
  const call = (cmd: string, target?: string, args?: unknown) =>
    new Promise<any>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      child.send({ id, cmd, target, args });
    });
  return {
    serverPort: ready.port,
    serverPid: ready.serverPid,
    pid: child.pid!,
    throughput: (t, a) => call('throughput', t, a),
    pingPong: (t, a) => call('pingpong', t, a),
    paced: (t, a) => call('paced', t, a),
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await Promise.race([call('close').catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
