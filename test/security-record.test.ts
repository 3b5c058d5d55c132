// Capture-time redaction end to end: `functape record` between a test host and worker
// whose traffic carries every secret kind. The peers must see every byte unchanged, the
// database file (with its -wal) must hold none of the secrets, and it is created 0600.
// With `--redact off` the secrets are stored (and a warning printed) until
// `functape redact` scrubs them. `--listen` on a non-loopback address needs --allow-remote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listenAsHost } from '../src/wire/grpc-peer.js';
import { secretSamples, type SecretSample } from '../src/codec/redact-samples.js';
import { encodeMessage, messageFromJson } from '../src/codec/streaming-message.js';
import { describe as describeBytes } from '../src/codec/describe.js';
import { openRecording } from '../src/recording/open-recording.js';
import {
  assertWireUntouched,
  databaseBytes,
  listeningAddress,
  runSecretSession,
  startFunctape,
} from './security-session.js';

const mode = (p: string) => statSync(p).mode & 0o777;

async function recordSession(db: string, tag: string, extra: string[] = [], more: SecretSample[] = []) {
  const samples = [...secretSamples(tag), ...more];
  const host = await listenAsHost({ host: '127.0.0.1', port: 0 });
  const rec = startFunctape([
    'record',
    '--listen',
    '127.0.0.1:0',
    '--upstream',
    host.address,
    '--db',
    db,
    ...extra,
  ]);
  try {
    const address = await listeningAddress(rec);
    const outcome = await runSecretSession(host, address, samples);
    // While record still runs, the frames sit in the WAL: wait until they are committed
    // (every non-secret is in the files) and keep those bytes, before shutdown checkpoints them.
    const keep = samples.flatMap((s) => s.keep);
    let live = databaseBytes(db);
    for (let i = 0; i < 100 && !keep.every((k) => live.includes(k)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      live = databaseBytes(db);
    }
    const walBytes = existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0;
    const modes = [db, `${db}-wal`, `${db}-shm`].filter(existsSync).map((p) => [p, mode(p)] as const);
    rec.child.kill('SIGTERM');
    const code = await rec.exited;
    return { samples, outcome, modes, code, stderr: rec.stderr(), live, walBytes };
  } finally {
    rec.child.kill('SIGKILL');
    await host.close(0);
  }
}

test('record redacts every secret kind before storing; the wire is untouched; files are 0600', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const db = join(dir, 'on.db');
    const { samples, outcome, modes, code, stderr, live, walBytes } = await recordSession(db, 'rec-on');
    assertWireUntouched(outcome);
    assert.equal(code, 0, stderr);
    assert.ok(walBytes > 0, 'the frames were in the -wal file while recording');
    for (const k of samples.flatMap((s) => s.keep))
      assert.ok(live.includes(k), `while recording, ${k} is in the files`);
    for (const s of samples)
      for (const secret of s.secrets)
        assert.ok(!live.includes(secret), `while recording (db + -wal): ${secret} must not be there`);
    assert.ok(modes.length >= 1);
    for (const [p, m] of modes) assert.equal(m.toString(8), '600', `${p} mode`);

    const bytes = databaseBytes(db);
    for (const s of samples)
      for (const secret of s.secrets)
        assert.ok(!bytes.includes(secret), `${s.what}: ${secret} must not be in the database file`);
    for (const k of samples.flatMap((s) => s.keep)) assert.ok(bytes.includes(k), `non-secret ${k} is stored`);

    const rec = openRecording(db);
    try {
      const [session] = rec.sessions();
      assert.ok(session);
      const frames = [...rec.frames(session.id)];
      assert.equal(frames.length, 1 + samples.length, 'StartStream and every sample stored');
      for (const s of samples) {
        const f = frames.find(
          (x) => x.kind === describeBytes(s.bytes).kind && x.size === s.bytes.length && x.redacted,
        );
        assert.ok(f, `${s.what}: stored redacted, with its wire size`);
      }
      assert.ok(
        !frames.find((f) => f.kind === 'startStream')!.redacted,
        'messages without secrets are stored as they were',
      );
    } finally {
      rec.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record --redact off stores secrets with a warning; functape redact then scrubs the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const db = join(dir, 'off.db');
    const { samples, outcome, code, stderr, live } = await recordSession(db, 'rec-off', ['--redact', 'off']);
    assertWireUntouched(outcome);
    assert.equal(code, 0, stderr);
    for (const s of samples.flatMap((x) => x.secrets))
      assert.ok(live.includes(s), `the grep finds ${s} when it is stored (the check can see secrets)`);
    assert.match(stderr, /warning: --redact off/);
    const secrets = samples.flatMap((s) => s.secrets);
    const before = databaseBytes(db);
    for (const s of secrets) assert.ok(before.includes(s), `--redact off stored ${s}`);

    const scrub = startFunctape(['redact', '--db', db]);
    assert.equal(await scrub.exited, 0, scrub.stderr());
    const after = databaseBytes(db);
    for (const s of secrets) assert.ok(!after.includes(s), `${s} gone after functape redact`);
    assert.equal(mode(db).toString(8), '600');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record refuses a non-loopback --listen without --allow-remote (one line, exit 2, nothing created)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    for (const listen of ['0.0.0.0:0', '[::]:0']) {
      const db = join(dir, 'never.db');
      const p = startFunctape(['record', '--listen', listen, '--upstream', '127.0.0.1:9', '--db', db]);
      assert.equal(await p.exited, 2);
      assert.match(p.stderr(), /^functape: .*loopback.*--allow-remote.*\n$/);
      assert.equal(p.stderr().split('\n').length, 2, 'one line');
      assert.equal(p.stdout(), '');
      assert.ok(!existsSync(db), 'no database created');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('record --redact-rules: extra headers and field paths are redacted at capture time; a bad file is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-sec-'));
  try {
    const rules = join(dir, 'rules.json');
    writeFileSync(
      rules,
      JSON.stringify({ headers: ['x-tenant-*'], fieldPaths: ['**.rawBody', 'rpcLog.message'] }),
    );
    const custom: SecretSample[] = [
      {
        what: 'a custom header and a raw body (rules file)',
        direction: 'toWorker',
        bytes: encodeMessage(
          messageFromJson({
            invocationRequest: {
              invocationId: 'inv-rules',
              inputData: [
                {
                  name: 'req',
                  data: {
                    http: {
                      headers: { 'X-Tenant-Token': 'TENANT-rules-S3CR3T', accept: 'text/html' },
                      rawBody: { string: 'password=RAWBODY-rules-S3CR3T' },
                    },
                  },
                },
              ],
            },
          }),
        ),
        secrets: ['TENANT-rules-S3CR3T', 'RAWBODY-rules-S3CR3T'],
        keep: ['inv-rules', 'text/html'],
      },
      {
        what: 'a log line (rules file)',
        direction: 'toHost',
        bytes: encodeMessage(
          messageFromJson({
            rpcLog: {
              invocationId: 'inv-rules',
              category: 'cat-rules',
              message: 'token LOGLINE-rules-S3CR3T',
            },
          }),
        ),
        secrets: ['LOGLINE-rules-S3CR3T'],
        keep: ['cat-rules'],
      },
    ];
    const db = join(dir, 'rules.db');
    const { samples, outcome, code, stderr } = await recordSession(
      db,
      'rec-rules',
      ['--redact-rules', rules],
      custom,
    );
    assertWireUntouched(outcome);
    assert.equal(code, 0, stderr);
    const bytes = databaseBytes(db);
    for (const s of samples)
      for (const secret of s.secrets) assert.ok(!bytes.includes(secret), `${s.what}: ${secret}`);
    for (const k of custom.flatMap((s) => s.keep)) assert.ok(bytes.includes(k), `${k} kept`);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"headers": "x-tenant-token"}');
    const cases: Array<[string[], RegExp]> = [
      [['--redact-rules', bad], /^functape: .*bad\.json: "headers" must be an array of strings\n$/],
      [
        ['--redact-rules', join(dir, 'missing.json')],
        /^functape: cannot read redact rules .*missing\.json: no such file\n$/,
      ],
      [['--redact', 'off', '--redact-rules', rules], /^functape: .*--redact.*\n$/],
    ];
    for (const [flags, re] of cases) {
      const never = join(dir, 'never.db');
      const p = startFunctape(['record', '--upstream', '127.0.0.1:9', '--db', never, ...flags]);
      assert.equal(await p.exited, 2, flags.join(' '));
      assert.match(p.stderr(), re);
      assert.ok(!existsSync(never), 'nothing created');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
