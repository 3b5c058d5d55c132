// `functape redact --db FILE [--redact-rules FILE]`: scrubs a recording made with
// redaction off so no secret is left in the file's bytes, and refuses bad input with
// one line and exit 2, leaving the file untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/run-main.js';
import { secretSamples, type SecretSample } from '../src/codec/redact-samples.js';
import { createRecordingWriter } from '../src/recording/recording-writer.js';
import { listenAsHost } from '../src/wire/grpc-peer.js';
import { listeningAddress, runSecretSession, startFunctape } from './security-session.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMain(argv);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function fileBytes(path: string): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`, `${path}-journal`].filter(existsSync).map((p) => readFileSync(p)),
  );
}

/** A recording made with redaction off (as `record --redact off` would), holding every sample. */
function recordUnredacted(path: string, samples: SecretSample[]): void {
  const w = createRecordingWriter(path, { redact: false });
  const id = w.addSession({
    id: 1,
    startWallMs: Date.now(),
    upstream: '127.0.0.1:9',
    path: '/AzureFunctionsRpcMessages.FunctionRpc/EventStream',
    metadata: {},
    functapeVersion: 't',
    schemaVersion: 't',
  });
  const dirSeq = { toHost: 0, toWorker: 0 };
  samples.forEach((s, seq) =>
    w.addFrame({
      sessionId: id,
      seq,
      dirSeq: dirSeq[s.direction]++,
      direction: s.direction,
      tNs: BigInt(seq * 1000),
      wallMs: Date.now(),
      compressed: false,
      bytes: s.bytes,
    }),
  );
  w.endSession({
    id,
    endNs: 10_000n,
    endWallMs: Date.now(),
    status: { code: 0, details: '' },
    reason: 'completed',
  });
  w.close();
}

test('functape redact removes every secret kind from the file, with extra rules applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const db = join(dir, 'off.db');
    const samples = secretSamples('cli');
    const extra = 'EXTRA-cli-HEADER-S3CR3T';
    recordUnredacted(db, samples);
    // one more frame whose only secret is covered by a rules-file header pattern
    const w = createRecordingWriter(db, { redact: false });
    const { encodeMessage, messageFromJson } = await import('../src/codec/streaming-message.js');
    const id = w.addSession({
      id: 2,
      startWallMs: Date.now(),
      upstream: '',
      path: '',
      metadata: {},
      functapeVersion: 't',
      schemaVersion: 't',
    });
    w.addFrame({
      sessionId: id,
      seq: 0,
      dirSeq: 0,
      direction: 'toWorker',
      tNs: 0n,
      wallMs: Date.now(),
      compressed: false,
      bytes: encodeMessage(
        messageFromJson({
          invocationRequest: {
            invocationId: 'i',
            inputData: [{ name: 'req', data: { http: { headers: { 'x-tenant-secret': extra } } } }],
          },
        }),
      ),
    });
    w.close();
    const secrets = [...samples.flatMap((s) => s.secrets), extra];
    const before = fileBytes(db);
    for (const s of secrets) assert.ok(before.includes(s), `the --redact off recording holds ${s}`);

    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ headers: ['x-tenant-*'] }));
    const dry = await cli(['redact', '--db', db, '--redact-rules', rules, '--dry-run']);
    assert.equal(dry.code, 1, 'a dry run that finds something is a finding (exit 1)');
    assert.match(
      dry.out,
      /^.*off\.db: 7 of 7 frames would be redacted \(dry run, nothing written\) \[invocationRequest 4, .*functionEnvironmentReloadRequest 1.*\]\n$/,
    );
    assert.deepEqual(fileBytes(db), before, 'a dry run writes nothing');

    const r = await cli(['redact', '--db', db, '--redact-rules', rules]);
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
    assert.match(
      r.out,
      /off\.db: 7 of 7 frames redacted now \[invocationRequest 4, .*\]; file .* after VACUUM/,
    );

    const after = fileBytes(db);
    for (const s of secrets) assert.ok(!after.includes(s), `${s} is gone from the database file bytes`);
    for (const k of samples.flatMap((s) => s.keep)) assert.ok(after.includes(k), `${k} kept`);
    assert.ok(!existsSync(`${db}-wal`) || statSync(`${db}-wal`).size === 0, 'WAL emptied');

    chmodSync(db, 0o644);
    const loose = await cli(['redact', '--db', db, '--dry-run']);
    assert.match(
      loose.err,
      /^functape redact: warning: .*off\.db can be read by other users \(mode 0644\); `chmod 600 .*off\.db` keeps it to you\n$/,
    );
    chmodSync(db, 0o600);

    const again = await cli(['redact', '--db', db, '--json']);
    assert.equal(again.code, 0);
    const report = JSON.parse(again.out);
    assert.equal(report.changed, 0);
    assert.equal(report.alreadyRedacted, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('functape redact: bad rules, missing or foreign database → one line, exit 2, file untouched', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const db = join(dir, 'r.db');
    recordUnredacted(db, secretSamples('bad'));
    const original = fileBytes(db);
    const cases: Array<[string[], RegExp]> = [
      [
        ['redact', '--db', db, '--redact-rules', join(dir, 'missing.json')],
        /^functape: cannot read redact rules .*missing\.json: no such file\n$/,
      ],
      [['redact', '--db', join(dir, 'nope.db')], /^functape: .*nope\.db: no such recording\n$/],
    ];
    const badRules = join(dir, 'bad.json');
    writeFileSync(badRules, '{"fieldPaths": ["invocationRequest.inputDta"]}');
    cases.push([
      ['redact', '--db', db, '--redact-rules', badRules],
      /^functape: .*bad\.json: fieldPaths\[0\] "invocationRequest\.inputDta" no field matches "inputDta" in InvocationRequest\n$/,
    ]);
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'x'.repeat(200));
    cases.push([['redact', '--db', text], /^functape: .*notes\.db is not an SQLite database.*\n$/]);
    for (const [argv, re] of cases) {
      const r = await cli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.match(r.err, re);
      assert.equal(r.out, '');
    }
    assert.deepEqual(fileBytes(db), original, 'the recording was not touched by the refused runs');
    assert.equal(readFileSync(text, 'utf8'), 'x'.repeat(200));
    assert.ok(!existsSync(join(dir, 'nope.db')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('functape redact scans for credential-looking text no rule covers, and --dry-run is a check for CI', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const db = join(dir, 'logs.db');
    const { encodeMessage, messageFromJson } = await import('../src/codec/streaming-message.js');
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY2FuLXRlc3QifQ.c2lnbmF0dXJlLXNjYW4tdGVzdA';
    const logged = (seq: number, message: string) => ({
      what: 'a log line',
      direction: 'toHost' as const,
      secrets: [],
      keep: [],
      bytes: encodeMessage(
        messageFromJson({ rpcLog: { invocationId: `inv-${seq}`, category: 'scan', message } }),
      ),
    });
    const garbage = {
      what: 'not a message',
      direction: 'toHost' as const,
      secrets: [],
      keep: [],
      bytes: Uint8Array.from([0xff, 0xff, 0xff, 0x01]),
    };
    recordUnredacted(db, [
      logged(0, 'starting'),
      logged(1, `calling the API with ${jwt}`),
      logged(2, `retry with ${jwt}`),
      garbage,
    ]);

    const dry = await cli(['redact', '--db', db, '--dry-run']);
    assert.equal(dry.code, 1);
    assert.equal(
      dry.out.split('\n')[0],
      `${db}: 0 of 4 frames would be redacted (dry run, nothing written); 1 undecodable (kind unknown) left as they are`,
    );
    assert.match(
      dry.out,
      /possible secrets no rule covers.*\n {2}rpcLog\.message {2}jwt {2}2 frames \(first: session 1 seq 1\)\n$/,
    );
    assert.ok(!dry.out.includes(jwt), 'the report never shows the value');

    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ fieldPaths: ['rpcLog.message'] }));
    const scrub = await cli(['redact', '--db', db, '--redact-rules', rules]);
    assert.equal(scrub.code, 0, scrub.err);
    assert.match(scrub.out, /3 of 4 frames redacted now \[rpcLog 3\]/);
    assert.ok(!fileBytes(db).includes(jwt));
    const clean = await cli(['redact', '--db', db, '--redact-rules', rules, '--dry-run']);
    assert.equal(clean.code, 0, 'nothing left: the check passes');
    assert.equal(
      clean.out,
      `${db}: 0 of 4 frames would be redacted (dry run, nothing written); 3 were already redacted; 1 undecodable (kind unknown) left as they are\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('functape redact refuses a recording a running record is writing to (one line, non-zero), and works once it stopped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-redact-live-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'live.db');
  const upstream = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const rec = startFunctape(['record', '--upstream', upstream.address, '--db', db, '--redact', 'off']);
  t.after(() => rec.child.kill('SIGKILL'));
  const samples = secretSamples('live');
  await runSecretSession(upstream, await listeningAddress(rec), samples.slice(0, 2));
  for (let i = 0; i < 200 && !existsSync(`${db}-shm`); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(`${db}-shm`), 'the writer has the file open');

  const busy = await cli(['redact', '--db', db]);
  assert.notEqual(busy.code, 0);
  assert.equal(busy.out, '', 'no claim that anything was redacted');
  assert.equal(
    busy.err,
    `functape: ${db} is open in another process (a record or wrap still writing to it?): stop it, then run redact again\n`,
  );
  // The writer is unharmed: it goes on recording and stops cleanly.
  await runSecretSession(upstream, await listeningAddress(rec), samples.slice(2, 4));
  rec.child.kill('SIGTERM');
  assert.equal(await rec.exited, 0, rec.stderr());
  await upstream.close(100);

  const done = await cli(['redact', '--db', db]);
  assert.equal(done.code, 0, done.err);
  assert.match(done.out, /redacted now/);
  for (const s of samples.slice(0, 4))
    for (const secret of s.secrets) assert.ok(!fileBytes(db).includes(secret), `${secret} scrubbed`);
});
