// Redaction through the real peers: `functape host` (which sends an x-functions-key,
// the Headers/Query JSON in trigger metadata, claims and, with --reload-env, a
// connection string) → `functape wrap` → `functape worker`. The recording must hold
// none of those secrets, and replaying it against the reference worker must still give
// zero differences: markers are consistent, so replay correlates as with the originals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markerText } from '../src/codec/redact-marker.js';
import { bytesToJson, encodeMessage, messageFromJson } from '../src/codec/streaming-message.js';
import { openRecording } from '../src/recording/open-recording.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { databaseBytes, FUNCTAPE_BIN, startFunctape } from './security-session.js';

const quote = (argv: string[]) =>
  argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
const functape = (...args: string[]) => quote([process.execPath, FUNCTAPE_BIN, ...args]);

/** Secrets the scripted host sends (src/peers/invocation-plan.ts, host-script.ts). */
const HOST_SECRETS = [
  'functape-demo-key-not-a-secret',
  'Server=demo;Password=not-a-real-secret',
  'UseDevelopmentStorage=true',
];

async function recordThroughWrap(db: string): Promise<void> {
  const host = startFunctape([
    'host',
    '--worker',
    functape('wrap', '--db', db, '--', process.execPath, FUNCTAPE_BIN, 'worker'),
    '--reload-env',
    '--invocations',
    '12',
    '--concurrency',
    '4',
    '--function',
    'echo,hello,log',
    '--json',
  ]);
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 60_000);
  const code = await host.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `functape host: ${host.stderr()} ${host.stdout().slice(0, 2000)}`);
}

let dir = '';
let db = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  db = join(dir, 'wrap.db');
  await recordThroughWrap(db);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("host → wrap → worker: the host's secrets are not in the recording; the rest is", () => {
  assert.equal((statSync(db).mode & 0o777).toString(8), '600');
  const bytes = databaseBytes(db);
  for (const s of HOST_SECRETS) assert.ok(!bytes.includes(s), `${s} must not be stored`);
  for (const k of [
    'x-functions-key',
    'AzureWebJobsStorage',
    'DEMO_CONNECTION_STRING',
    'functape-host',
    'localhost:7071',
  ])
    assert.ok(bytes.includes(k), `${k} is stored`);
  const rec = openRecording(db);
  try {
    const [s] = rec.sessions();
    assert.ok(s);
    const frames = [...rec.frames(s.id)];
    assert.ok(
      frames.filter((f) => f.kind === 'invocationRequest').every((f) => f.redacted),
      'every invocation request was redacted',
    );
    assert.ok(frames.some((f) => f.kind === 'functionEnvironmentReloadRequest' && f.redacted));
    assert.ok(
      frames
        .filter((f) => f.kind === 'workerInitRequest' || f.kind === 'startStream')
        .every((f) => !f.redacted),
    );
  } finally {
    rec.close();
  }
});

test('replay host of a redacted recording against the reference worker: zero differences', async () => {
  const reportFile = join(dir, 'report.json');
  const replay = startFunctape([
    'replay',
    'host',
    '--db',
    db,
    '--worker',
    functape('worker'),
    '--pace',
    'fast',
    '--report',
    reportFile,
  ]);
  const timer = setTimeout(() => replay.child.kill('SIGKILL'), 60_000);
  const code = await replay.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `replay host: ${replay.stdout().slice(0, 3000)} ${replay.stderr()}`);
  assert.match(replay.stdout(), /\b0 differed, 0 missing/);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
    outcomes: Array<{ kind: string; status: string; differences: unknown[] }>;
  };
  const answers = report.outcomes.filter((o) => o.kind === 'invocationResponse');
  assert.equal(answers.length, 12, 'every recorded invocation was answered again');
  for (const o of report.outcomes)
    assert.deepEqual([o.kind, o.status, o.differences], [o.kind, 'matched', []]);
  assert.ok(
    report.outcomes.some((o) => o.kind === 'functionEnvironmentReloadResponse'),
    'the redacted reload request was replayed',
  );
});

/**
 * A copy of `from` whose invocations carry `other` where the host sent its function key,
 * stored as `record` stores it (redacted): the recording of a host with another key.
 */
function withOtherKey(from: string, to: string, other: string): void {
  const was = markerText(new TextEncoder().encode(HOST_SECRETS[0]!));
  const rec = openRecording(from);
  const w = createRecordingWriter(to);
  try {
    const [s] = rec.sessions();
    assert.ok(s);
    const { counts: _c, end, workerId: _w, ...start } = s;
    w.addSession(start);
    let replaced = 0;
    for (const f of rec.frames(s.id)) {
      let bytes = f.bytes;
      if (f.kind === 'invocationRequest') {
        const json = JSON.stringify(bytesToJson(bytes).json);
        if (json.includes(was)) replaced++;
        bytes = encodeMessage(messageFromJson(JSON.parse(json.replaceAll(was, other))));
      }
      w.addFrame({
        sessionId: s.id,
        seq: f.seq,
        dirSeq: f.dirSeq,
        direction: f.direction,
        tNs: f.tNs,
        wallMs: f.wallMs,
        compressed: f.compressed,
        bytes,
      });
    }
    assert.ok(replaced > 0, 'the recording holds the marker of the host key');
    if (end) w.endSession(end);
  } finally {
    rec.close();
    w.close();
  }
}

/** `functape host` (the same secrets as when recording) driving `replay worker` of `recording`. */
async function replayWorkerUnderHost(recording: string, tag: string) {
  const out = {
    report: join(dir, `${tag}.json`),
    junit: join(dir, `${tag}.xml`),
    record: join(dir, `${tag}.db`),
  };
  const worker = functape(
    'replay',
    'worker',
    '--db',
    recording,
    '--pace',
    'fast',
    '--report',
    out.report,
    '--junit',
    out.junit,
    '--record',
    out.record,
  );
  const host = startFunctape([
    'host',
    '--worker',
    worker,
    '--reload-env',
    '--invocations',
    '12',
    '--concurrency',
    '4',
    '--function',
    'echo,hello,log',
    '--verbose',
  ]);
  const timer = setTimeout(() => host.child.kill('SIGKILL'), 60_000);
  const code = await host.exited;
  clearTimeout(timer);
  const report = JSON.parse(readFileSync(out.report, 'utf8')) as {
    counts: Record<string, number>;
    outcomes: Array<{ kind: string; status: string }>;
  };
  const everything = [
    host.stdout(),
    host.stderr(),
    readFileSync(out.report, 'utf8'),
    readFileSync(out.junit, 'utf8'),
    databaseBytes(out.record).toString('latin1'),
  ];
  for (const f of [out.report, out.junit, out.record])
    assert.equal((statSync(f).mode & 0o777).toString(8), '600', `${f} is private`);
  return { code, host, report, everything };
}

test('host → replay worker of a redacted recording: the same secrets live give zero differences and appear in no output', async () => {
  const r = await replayWorkerUnderHost(db, 'same');
  assert.equal(r.code, 0, `functape host: ${r.host.stderr().slice(-3000)}`);
  assert.equal(
    r.report.counts.differed,
    0,
    JSON.stringify(r.report.outcomes.filter((o) => o.status !== 'matched')).slice(0, 3000),
  );
  assert.equal(r.report.counts.missing ?? 0, 0);
  assert.ok(r.report.outcomes.filter((o) => o.kind === 'invocationRequest').length === 12);
  for (const text of r.everything)
    for (const s of HOST_SECRETS) assert.ok(!text.includes(s), `${s} must not be written`);
});

test('host → replay worker of a recording made with another key: a difference, shown only as markers', async () => {
  const other = 'another-function-key-S3CR3T-0042';
  const changed = join(dir, 'other-key.db');
  withOtherKey(db, changed, other);
  assert.ok(!databaseBytes(changed).includes(other), 'the copy stores the other key redacted');
  const r = await replayWorkerUnderHost(changed, 'other');
  assert.ok(r.report.counts.differed! >= 12, JSON.stringify(r.report.counts));
  const shown = r.everything.join('\n');
  assert.ok(
    shown.includes(markerText(new TextEncoder().encode(other))),
    'the recorded key is shown as its marker',
  );
  assert.ok(
    shown.includes(markerText(new TextEncoder().encode(HOST_SECRETS[0]!))),
    'the live key is shown as its marker',
  );
  for (const text of r.everything)
    for (const s of [other, ...HOST_SECRETS]) assert.ok(!text.includes(s), `${s} must not be written`);
});
