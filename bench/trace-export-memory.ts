// `node dist/bench/trace-export-memory.js [MESSAGES] [DIR]`: memory and speed of
// `functape export` in each format over one large session of invocations (each a request,
// an RpcLog and an answer, 100 in flight, a W3C trace context on every request), output to
// a file. Prints, per format, messages/s (process start-up included), peak RSS (the child's
// own rusage) and RSS growth (median of the last quarter of 100 ms samples minus that of the
// second quarter). Not part of `npm run bench`: a measurement for docs/PERFORMANCE.md.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMessage, makeMessage } from '../src/codec/streaming-message.js';
import type { Direction } from '../src/model/frame.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { rssGrowthMB } from './b5-memory.js';
import { sampleRss, spawnFunctape } from './lib/proc.js';

const messages = Number(process.argv[2] ?? 1_000_000);
const dir = process.argv[3] ?? mkdtempSync(join(tmpdir(), 'functape-trace-mem-'));
const db = join(dir, 'trace.db');
const IN_FLIGHT = 100;

function writeRecording(): void {
  const w = createRecordingWriter(db, { redact: false });
  const t0 = Date.now();
  w.addSession({
    id: 1,
    label: 'trace-mem',
    startWallMs: t0,
    upstream: '',
    path: '',
    metadata: {},
    functapeVersion: 'bench',
    schemaVersion: 'bench',
  });
  const load = encodeMessage(
    makeMessage({
      content: {
        case: 'functionLoadRequest',
        value: {
          functionId: 'f',
          metadata: { name: 'Hello', bindings: { req: { type: 'httpTrigger', direction: 0 } } },
        },
      },
    }),
  );
  const frames: Array<[Direction, Uint8Array]> = [['toWorker', load]];
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const invocations = Math.floor((messages - 1) / 3);
  // Requests run IN_FLIGHT ahead of their logs and answers.
  for (let i = 0; i < invocations + IN_FLIGHT; i++) {
    if (i < invocations) {
      const traceParent = `00-${hex(i + 1, 32)}-${hex(i + 1, 16)}-01`;
      const request = { invocationId: `inv-${i}`, functionId: 'f', traceContext: { traceParent } };
      frames.push([
        'toWorker',
        encodeMessage(makeMessage({ content: { case: 'invocationRequest', value: request } })),
      ]);
    }
    const j = i - IN_FLIGHT;
    if (j >= 0) {
      const log = { invocationId: `inv-${j}`, level: 2, message: `working on ${j}` };
      frames.push(['toHost', encodeMessage(makeMessage({ content: { case: 'rpcLog', value: log } }))]);
      const answer = { invocationId: `inv-${j}`, result: { status: 1 } };
      frames.push([
        'toHost',
        encodeMessage(makeMessage({ content: { case: 'invocationResponse', value: answer } })),
      ]);
    }
  }
  const dirSeq = { toHost: 0, toWorker: 0 };
  frames.forEach(([direction, bytes], seq) => {
    const tNs = BigInt(seq) * 20_000n;
    w.addFrame({
      sessionId: 1,
      seq,
      dirSeq: dirSeq[direction]++,
      direction,
      tNs,
      wallMs: t0 + Number(tNs) / 1e6,
      compressed: false,
      bytes,
    });
  });
  w.endSession({
    id: 1,
    endNs: BigInt(frames.length) * 20_000n,
    endWallMs: t0 + frames.length * 0.02,
    status: { code: 0, details: '' },
    reason: 'completed',
  });
  w.close();
}

writeRecording();
process.stdout.write(`recording: ${messages} messages, ${(statSync(db).size / 2 ** 20).toFixed(0)} MB\n`);
for (const format of ['ndjson', 'perfetto', 'otlp']) {
  const out = join(dir, `out.${format}`);
  const t0 = performance.now();
  const child = spawnFunctape(['export', '--db', db, '--format', format, '--threads', '1', '--out', out], {
    measure: join(dir, `${format}.exit.json`),
  });
  const sampler = sampleRss(child.pid, 100);
  const { code } = await child.exited;
  const seconds = (performance.now() - t0) / 1000;
  const samples = sampler.stop();
  const peak = child.exitReport()?.maxRssMB ?? Math.max(...samples.map((s) => s.rssMB));
  process.stdout.write(
    `${format}: exit ${code}, ${Math.round(messages / seconds)} msgs/s, ${seconds.toFixed(1)} s, output ${(statSync(out).size / 2 ** 20).toFixed(0)} MB, peak RSS ${peak.toFixed(0)} MB, growth ${rssGrowthMB(samples).toFixed(1)} MB\n`,
  );
  rmSync(out);
}
if (process.argv[3] === undefined) rmSync(dir, { recursive: true, force: true });
