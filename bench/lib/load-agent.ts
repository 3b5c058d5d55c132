// Child-process entry: the load generator of benchmarks 1, 2, 5 and 7 (the "worker" side,
// a plain grpc-js client), kept out of the measured proxy's process. The echo "host" runs
// in a process of its own (echo-server.ts), so a direct link crosses processes as a real
// host ↔ worker link does. Runs one pattern per IPC request.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runPaced, runPingPong, runThroughput } from './load-patterns.js';

interface Request {
  id: number;
  cmd: 'throughput' | 'pingpong' | 'paced' | 'close';
  target?: string;
  args?: any;
}

const serverChild = fork(fileURLToPath(new URL('./echo-server.js', import.meta.url)), [], {
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  serverChild.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    const m = out.match(/listening on \S+:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  serverChild.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
});
const server = {
  port,
  close: () =>
    new Promise<void>((resolve) => {
      if (serverChild.exitCode !== null) return resolve();
      serverChild.once('exit', () => resolve());
      serverChild.kill('SIGTERM');
      setTimeout(() => serverChild.kill('SIGKILL'), 3000).unref();
    }),
};
process.send!({ ready: true, port: server.port, serverPid: serverChild.pid });

process.on('message', async (req: Request) => {
  try {
    let result: unknown;
    if (req.cmd === 'throughput') result = await runThroughput(req.target!, req.args);
    else if (req.cmd === 'pingpong') result = await runPingPong(req.target!, req.args);
    else if (req.cmd === 'paced') result = await runPaced(req.target!, req.args);
    else if (req.cmd === 'close') {
      await server.close();
      process.send!({ id: req.id, ok: true, result: null }, () => process.disconnect());
      return;
    }
    process.send!({ id: req.id, ok: true, result });
  } catch (err) {
    process.send!({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
