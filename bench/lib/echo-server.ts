// Child-process entry: the benchmarks' "host", a plain grpc-js echo server (raw bytes), in
// a process of its own so that a direct link crosses processes as host ↔ worker does.
// Prints `listening on 127.0.0.1:PORT`; SIGTERM or a closed IPC channel stops it.
import { startEchoServer } from './raw-grpc.js';

const server = await startEchoServer();
process.stdout.write(`listening on 127.0.0.1:${server.port}\n`);
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
