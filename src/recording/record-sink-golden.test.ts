import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { encodeMessage, makeMessage, messageFromJson } from '../codec/streaming-message.js';
import { secretSamples } from '../codec/redact-samples.js';
import type { RedactRules } from '../codec/redact.js';
import type { Frame } from '../model/frame.js';
import { parseLine } from '../codec/ndjson.js';
import { createRecordSink } from './record-sink.js';
import { migrate } from './schema.js';

/**
 * Golden rows of the capture path: a fixed corpus (the reference session, every secret
 * sample, benchmark-shaped messages, gzip copies, and deterministic truncations and byte
 * flips of all of them, so that malformed nested levels are covered too) is recorded
 * through createRecordSink under several redaction rule sets, and every stored row
 * (index columns, redacted flag, size, decode error and the stored bytes) must equal the
 * digest recorded in record-sink.golden.json. It pins the exact output of describe +
 * redaction + insert, so a faster implementation cannot change a single stored byte.
 * Regenerate (only for an intended change of output) with FUNCTAPE_GOLDEN=write.
 */
const GOLDEN = resolve('fixtures/record-sink.golden.json');

const RULE_SETS: Record<string, RedactRules | false> = {
  none: false,
  default: {},
  custom: {
    fieldPaths: [
      'invocationRequest.inputData.*.data.string',
      '**.rawBody',
      'rpcLog.message',
      'invocationResponse.outputData.*.data',
      'workerInitRequest.**',
    ],
    headers: ['x-custom-*'],
    query: ['session'],
    env: ['KEEP_BUT_SECRET'],
    keepEnv: ['PATH', 'KEEP_*', 'FUNCTIONS_*'],
    hashKey: 'golden-key',
  },
  everything: { fieldPaths: ['**'] },
};

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function baseMessages(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const line of readFileSync(resolve('fixtures/sessions/reference-mixed.ndjson'), 'utf8').split('\n')) {
    const r = parseLine(line, 0);
    if (r?.type === 'frame') out.push(r.frame.bytes);
  }
  for (const s of secretSamples('golden')) out.push(s.bytes);
  // Benchmark-shaped: an invocation response with a string return value, and a request with HTTP input.
  for (const pad of [0, 100, 3900]) {
    out.push(
      encodeMessage(
        makeMessage({
          content: {
            case: 'invocationResponse',
            value: {
              invocationId: `0000000${pad}-0000-4000-8000-000000000000`,
              returnValue: { data: { case: 'string', value: 'x'.repeat(pad) } },
              result: { status: 1 },
            },
          },
        }),
      ),
    );
  }
  out.push(
    encodeMessage(
      messageFromJson({
        requestId: 'r1',
        invocationRequest: {
          invocationId: 'i1',
          functionId: 'f1',
          inputData: [
            {
              name: 'req',
              data: {
                http: {
                  method: 'POST',
                  url: 'https://a.example/api?session=S1&x=1',
                  headers: { 'X-Custom-Thing': 'CUSTOMHDR', accept: '*/*' },
                  rawBody: { string: 'RAWBODY' },
                  body: { string: 'BODY' },
                },
              },
            },
            { name: 'blob', data: { string: 'BLOBTEXT' } },
          ],
          triggerMetadata: {
            Headers: { json: '{"Authorization":"Bearer T","x":"y"}' },
            Query: { json: '{"code":"C1","q":"v"}' },
            code: { string: 'C2' },
          },
        },
      }),
    ),
  );
  out.push(
    encodeMessage(
      messageFromJson({
        functionEnvironmentReloadRequest: {
          environmentVariables: { PATH: '/bin', KEEP_ME: 'k', KEEP_BUT_SECRET: 'kbs', OTHER: 'o' },
        },
      }),
    ),
  );
  out.push(
    encodeMessage(messageFromJson({ rpcLog: { invocationId: 'i2', message: 'LOGMESSAGE', category: 'c' } })),
  );
  out.push(
    encodeMessage(
      messageFromJson({
        workerInitRequest: { hostVersion: '4.0', capabilities: { a: 'b' }, workerDirectory: '/w' },
      }),
    ),
  );
  return out;
}

function corpus(): Frame[] {
  const rand = prng(20261125);
  const messages: Uint8Array[] = [];
  for (const m of baseMessages()) {
    messages.push(m, new Uint8Array(0));
    for (let i = 0; i < 12; i++) messages.push(m.subarray(0, Math.floor(rand() * m.length)));
    for (let i = 0; i < 24; i++) {
      const b = Uint8Array.from(m);
      if (b.length > 0) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      messages.push(b);
    }
  }
  const frames: Frame[] = [];
  let seq = 0;
  for (const bytes of messages) {
    const base = {
      sessionId: 1,
      seq,
      dirSeq: seq >> 1,
      direction: seq % 2 === 0 ? 'toHost' : 'toWorker',
      tNs: BigInt(seq) * 1000n,
      wallMs: 1_700_000_000_000 + seq,
    } as const;
    frames.push({ ...base, compressed: false, bytes });
    seq++;
    if (seq % 5 === 0) frames.push({ ...base, seq: seq++, compressed: true, bytes: gzipSync(bytes) });
  }
  return frames;
}

function recordDigests(rules: RedactRules | false, frames: readonly Frame[]): string[] {
  const db = new Database(':memory:');
  migrate(db);
  const sink = createRecordSink(db, rules);
  for (let i = 0; i < frames.length; i += 64) {
    sink.run(() => {
      if (i === 0)
        sink.start({
          id: 1,
          startWallMs: 1,
          upstream: '',
          path: '',
          metadata: {},
          functapeVersion: '',
          schemaVersion: '',
        });
      for (const f of frames.slice(i, i + 64)) sink.frame(f);
    });
  }
  const rows = db
    .prepare(`SELECT session_id, seq, dir_seq, direction, t_ns, wall_ms, compressed, kind, request_id, invocation_id,
    function_id, size, redacted, decode_error, bytes FROM frames ORDER BY rowid`)
    .raw(true)
    .all() as unknown[][];
  // Rows of gzip frames are compared by what zlib's output stands for, not its exact bytes
  // (another zlib may compress differently): the stored wire copy decompressed, and the
  // wire size as "the wire size".
  const bySeq = new Map(frames.map((f) => [f.seq, f]));
  for (const r of rows) {
    const f = bySeq.get(r[1] as number)!;
    if (!f.compressed) continue;
    if (r[11] === f.bytes.length) r[11] = 'wire size';
    if (r[6] === 1) r[14] = gunzipSync(r[14] as Buffer);
  }
  const session = db.prepare('SELECT to_host, to_worker, worker_id FROM sessions').raw(true).all();
  db.close();
  const text = (v: unknown): string =>
    JSON.stringify(v, (_k, x) =>
      typeof x === 'bigint' ? `${x}n` : Buffer.isBuffer(x) ? x.toString('hex') : x,
    );
  return [
    ...rows.map((r) => createHash('sha256').update(text(r)).digest('hex').slice(0, 12)),
    `session ${text(session)}`,
  ];
}

test('recording a fixed corpus stores exactly the golden rows, under every rule set', () => {
  const frames = corpus();
  const got: Record<string, string[]> = {};
  for (const [name, rules] of Object.entries(RULE_SETS)) got[name] = recordDigests(rules, frames);
  if (process.env.FUNCTAPE_GOLDEN === 'write') writeFileSync(GOLDEN, `${JSON.stringify(got, null, 0)}\n`);
  const want = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Record<string, string[]>;
  for (const name of Object.keys(RULE_SETS)) {
    assert.equal(got[name]!.length, want[name]!.length, `${name}: row count`);
    for (let i = 0; i < want[name]!.length; i++)
      assert.equal(got[name]![i], want[name]![i], `${name}: row ${i} differs from the golden digest`);
  }
  // The corpus does exercise redaction and damage: some rows redacted, some undecodable.
  assert.notDeepEqual(got.default, got.none);
  assert.notDeepEqual(got.custom, got.default);
});
