// Child-process entry: the load generator of benchmarks 1 and 2 (and the soak), kept out of
// the measured proxy's process. Hosts the echo server and runs one pattern per IPC request.
import { startEchoServer } from './raw-grpc.js';
import { runPaced, runPingPong, runThroughput } from './load-patterns.js';

interface Request {
  id: number;
  cmd: 'throughput' | 'pingpong' | 'paced' | 'close';
  target?: string;
  args?: any;
}

const server = await startEchoServer();
process.send!({ ready: true, port: server.port });

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
