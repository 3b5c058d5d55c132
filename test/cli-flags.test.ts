// Every command's number and duration flags through the real CLI parser, in process: one
// reader (cli/flag-values), one-line messages that name the flag and what it takes, exit 2
// before anything starts (no worker is spawned: the worker command does not exist).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from './helpers/run-main.js';
import { writeSampleRecording } from './recording-sample.js';

const NO_WORKER = 'functape-test-no-such-worker';
const FORMS = /\(500ms, 30s, 2m, 1m30s, or plain seconds; got /;

/** [command line before the flag, flag, kind, smallest accepted value]. */
function flagTable(db: string): Array<[string[], string, 'whole' | 'number' | 'duration', number]> {
  const bench = ['bench', '--db', db, '--worker', NO_WORKER];
  const replay = ['replay', 'host', '--db', db, '--worker', NO_WORKER];
  const host = ['host', '--worker', NO_WORKER];
  return [
    [bench, 'session', 'whole', 1],
    [bench, 'workers', 'whole', 1],
    [bench, 'concurrency', 'whole', 1],
    [bench, 'rate', 'number', 0],
    [bench, 'invocations', 'whole', 1],
    [bench, 'duration', 'duration', 1],
    [bench, 'warmup', 'duration', 0],
    [bench, 'start-timeout', 'duration', 0],
    [bench, 'drain-timeout', 'duration', 1],
    [['demo', '--dir', join(db, '..', 'demo')], 'invocations', 'whole', 1],
    [['demo', '--dir', join(db, '..', 'demo')], 'concurrency', 'whole', 1],
    [['export', '--db', db], 'session', 'whole', 1],
    [['export', '--db', db], 'threads', 'whole', 1],
    [host, 'invocations', 'whole', 0],
    [host, 'concurrency', 'whole', 1],
    [host, 'cancel-every', 'whole', 0],
    [host, 'log-count', 'whole', 0],
    [host, 'big-mb', 'number', 0],
    [host, 'start-timeout', 'duration', 0],
    [host, 'answer-timeout', 'duration', 1],
    [replay, 'session', 'whole', 1],
    [replay, 'max-in-flight', 'whole', 0],
    [replay, 'answer-timeout', 'duration', 1],
    [replay, 'start-timeout', 'duration', 0],
    [['show', '--db', db], 'session', 'whole', 1],
  ];
}

test('every number and duration flag refuses bad values the same way: one line naming the flag, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-flags-'));
  try {
    const db = join(dir, 'rec.db');
    writeSampleRecording(db);
    for (const [before, flag, kind, min] of flagTable(db)) {
      const bad: Array<[string, RegExp]> = [
        ['abc', kind === 'duration' ? FORMS : /takes (a whole number|a number|a session id)/],
        ['', /got ""|needs a value/],
        [kind === 'duration' ? '-1s' : '-1', kind === 'duration' ? FORMS : / ≥ |from /],
      ];
      if (kind === 'whole') bad.push(['1.5', /whole number/]);
      if (kind === 'duration' && min > 0) bad.push(['0', /takes a duration > 0/]);
      if (kind !== 'duration' && min > 0) bad.push([String(min - 1), / ≥ 1 |from 1 /]);
      for (const [value, message] of bad) {
        const argv = [...before, `--${flag}`, value];
        const r = await runMain(argv);
        const what = argv.slice(0, 1).concat(`--${flag}`, JSON.stringify(value)).join(' ');
        assert.equal(r.code, 2, `${what}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^functape: (give )?--${flag} `), what);
        assert.match(r.stderr, message, what);
        assert.equal(r.stderr.split('\n').length, 2, `${what}: one line`);
        assert.equal(r.stdout, '', `${what}: nothing ran`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('durations read the same everywhere: 30s and plain seconds, and 0 is "no limit" for every --start-timeout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-flags-'));
  try {
    const db = join(dir, 'rec.db');
    writeSampleRecording(db);
    // Each gets past its flags and fails later, at the worker that does not exist (exit 3),
    // or at the session choice (exit 2 with a message about sessions, not flags).
    const accepted: Array<[string[], RegExp]> = [
      [
        ['host', '--worker', NO_WORKER, '-n', '1', '--answer-timeout', '30s', '--start-timeout', '0'],
        /exited before connecting/,
      ],
      [
        ['host', '--worker', NO_WORKER, '-n', '1', '--answer-timeout', '30', '--start-timeout', '1m30s'],
        /exited before connecting/,
      ],
      [
        [
          'replay',
          'host',
          '--db',
          db,
          '--session',
          '1',
          '--worker',
          NO_WORKER,
          '--start-timeout',
          '0',
          '--answer-timeout',
          '5',
        ],
        /exited before connecting/,
      ],
      [
        [
          'bench',
          '--db',
          db,
          '--session',
          '1',
          '--worker',
          NO_WORKER,
          '--start-timeout',
          '0',
          '-d',
          '2',
          '--warmup',
          '0',
        ],
        /worker #1 exited/,
      ],
    ];
    for (const [argv, message] of accepted) {
      const r = await runMain(argv);
      assert.notEqual(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout + r.stderr, message, argv.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
