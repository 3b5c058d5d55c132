// Child-process entry for benchmark 10's floor row: the cheapest relay Node can be, a plain
// TCP pipe (node:net, no HTTP/2, no parsing, no capture) between the load agent's client and
// its echo server. What it costs per message is what any relay written in Node pays for its
// wake-ups, reads and writes before doing anything of its own. Prints `listening on H:P`.
// Usage: node pipe-child.js UPSTREAM_PORT
import net from 'node:net';

const upstreamPort = Number(process.argv[2]);
const server = net.createServer((down) => {
  down.setNoDelay(true);
  const up = net.connect(upstreamPort, '127.0.0.1');
  up.setNoDelay(true);
  down.pipe(up);
  up.pipe(down);
  down.on('error', () => up.destroy());
  up.on('error', () => down.destroy());
  down.on('close', () => up.destroy());
  up.on('close', () => down.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);
});
const stop = () => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
