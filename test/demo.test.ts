// `functape demo` end to end: real processes (host in the CLI, wrap, worker), a real recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openRecording } from '../src/recording/index.js';
import { describe as describeBytes } from '../src/codec/describe.js';

const BIN = resolve(process.cwd(), 'bin/functape');

function run(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, timeout: 90_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

function shell(line: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      '/bin/sh',
      ['-c', line],
      { cwd, timeout: 90_000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

test('functape demo records the whole session and prints sessions, timeline and next commands', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-demo-'));
  try {
    const r = await run(['demo', '--dir', 'out'], dir);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const db = join(dir, 'out', 'demo.db');
    assert.ok(statSync(db).size > 0);

    const rec = openRecording(db);
    try {
      const sessions = rec.sessions();
      assert.equal(sessions.length, 1);
      const s = sessions[0]!;
      assert.equal(s.label, 'demo');
      assert.match(s.workerId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(s.end?.status?.code, 0);
      // 300 invocations over echo,hello,sleep,log,fail,noop: 50 each; every 10th sleep cancelled (5);
      // log sends 5 RpcLogs, fail 1. To the worker: init, reload, metadata, 8 loads, 300, 5 cancels, status, terminate.
      assert.equal(s.counts.toWorker, 1 + 1 + 1 + 8 + 300 + 5 + 1 + 1);
      // To the host: start, init, reload, metadata, 8 loads, 300 responses, 250 + 50 logs, status.
      assert.equal(s.counts.toHost, 1 + 1 + 1 + 1 + 8 + 300 + 300 + 1);
      const kinds = new Map<string, number>();
      let seq = 0;
      for (const f of rec.frames(s.id)) {
        assert.equal(f.seq, seq++, 'frames in seq order, none missing');
        assert.equal(describeBytes(f.bytes).kind, f.kind, 'the stored bytes decode to the stored kind');
        kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
      }
      assert.equal(kinds.get('invocationRequest'), 300);
      assert.equal(kinds.get('invocationResponse'), 300);
      assert.equal(kinds.get('invocationCancel'), 5);
      assert.equal(kinds.get('rpcLog'), 300);
      assert.equal(kinds.get('workerTerminate'), 1);
    } finally {
      rec.close();
    }

    assert.match(r.stdout, /functape host: OK/);
    assert.match(r.stdout, /300\/300 answered, 300 as expected/);
    assert.match(r.stdout, /Sessions in out\/demo\.db:\n.*ID.*WORKER.*\n\s+1\s+demo/);
    assert.match(r.stdout, /the first 15 of 931 messages/);
    assert.match(r.stdout, /startStream/);
    assert.match(r.stdout, /log line 5 of 5/);
    assert.match(r.stdout, /sleep, cancelled/);
    assert.match(r.stdout, /show --db out\/demo\.db --session 1/);
    assert.match(r.stdout, /export --db out\/demo\.db/);

    // The bench the demo suggests, as a new user copies it: the 5 recorded 60 s sleeps that the
    // host cancelled are left out (a clone is never cancelled: each would hold a slot for a
    // minute), so every invocation is answered and the report says what was left out.
    const suggested = r.stdout
      .split('\n')
      .map((l) => l.trim())
      .find((l) => / bench --db /.test(l));
    assert.ok(suggested, r.stdout);
    const bench = await shell(`${suggested} -n 600 --drain-timeout 2s --json -`, dir);
    assert.equal(bench.code, 0, bench.stderr);
    const report = JSON.parse(bench.stdout) as {
      source: { templates: number; cancelledLeftOut: number };
      overall: { sent: number; completed: number; unanswered: number };
    };
    assert.deepEqual(report.source.templates, 295);
    assert.equal(report.source.cancelledLeftOut, 5);
    assert.deepEqual(
      [report.overall.sent, report.overall.completed, report.overall.unanswered],
      [600, 600, 0],
    );
    assert.match(
      bench.stderr,
      /295 recorded invocations cycled; 5 cancelled by the host in the recording left out/,
    );

    const again = await run(['demo', '--dir', 'out', '-n', '12'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /replacing the previous out\/demo\.db/);
    const rec2 = openRecording(db);
    try {
      assert.equal(rec2.sessions().length, 1, 'a second demo replaces the first recording');
    } finally {
      rec2.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('functape demo with an unusable --dir: one line, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-demo-'));
  try {
    writeFileSync(join(dir, 'a-file'), '');
    const r = await run(['demo', '--dir', 'a-file/sub'], dir);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /--dir a-file\/sub: .*ENOTDIR/);
    // Where Node's recursive mkdir would spin forever: a dangling symlink (and /proc, below)
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    const d = await run(['demo', '--dir', 'dangling/sub'], dir);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /^functape: --dir dangling\/sub: .*ENOENT[^\n]*\n$/);
    if (existsSync('/proc/self')) {
      const p = await run(['demo', '--dir', '/proc/functape-no-such/sub'], dir);
      assert.equal(p.code, 2);
      assert.match(p.stderr, /^functape: --dir \/proc\/functape-no-such\/sub: .*ENOENT[^\n]*\n$/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
