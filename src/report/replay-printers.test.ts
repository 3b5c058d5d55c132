import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReplayJson } from './replay-json.js';
import { formatReplayJunit } from './replay-junit.js';
import {
  replayExitCode,
  replaySummaryLine,
  tallyOutcomes,
  type ReplayOutcome,
  type ReplayReport,
} from './replay-report.js';
import { formatReplayText } from './replay-text.js';

const outcomes: ReplayOutcome[] = [
  {
    kind: 'workerInitResponse',
    key: 'workerInitResponse#0',
    status: 'matched',
    recordedSeq: 2,
    differences: [],
  },
  {
    kind: 'invocationResponse',
    key: 'invocationResponse:i1',
    status: 'differed',
    recordedSeq: 9,
    invocationId: 'i1',
    functionId: 'f',
    functionName: 'hello',
    differences: [
      {
        path: 'invocationResponse.returnValue.http.body.string',
        recorded: 'Hello, Ada!',
        live: 'Howdy, Ada!',
      },
    ],
  },
  {
    kind: 'invocationResponse',
    key: 'invocationResponse:i2',
    status: 'missing',
    recordedSeq: 12,
    invocationId: 'i2',
    differences: [],
    note: 'no answer within 10000 ms',
  },
  {
    kind: 'workerActionResponse',
    key: 'workerActionResponse#0',
    status: 'extra',
    differences: [],
    note: 'no recorded answer has this kind and key',
    live: { workerActionResponse: { reason: '<&>' } },
  },
];
const report = (over: Partial<ReplayReport> = {}): ReplayReport => ({
  played: 'host',
  session: { id: 3, label: 'ci' },
  pace: 'fast',
  startedAtMs: 0,
  durationMs: 1234,
  sent: 7,
  outcomes,
  counts: tallyOutcomes(outcomes),
  stream: { broken: false },
  ...over,
});

test('summary line and exit codes follow the counts', () => {
  assert.equal(replaySummaryLine(report()), '1 answers matched, 1 differed, 1 missing, 1 unexpected');
  assert.equal(replayExitCode(report()), 1);
  const clean = [outcomes[0]!];
  assert.equal(replayExitCode(report({ outcomes: clean, counts: tallyOutcomes(clean) })), 0);
  assert.equal(
    replayExitCode(
      report({ outcomes: clean, counts: tallyOutcomes(clean), stream: { broken: true, detail: 'x' } }),
    ),
    3,
  );
  assert.equal(
    replaySummaryLine(report({ played: 'worker', outcomes: clean, counts: tallyOutcomes(clean) })),
    '1 host messages matched, 0 differed, 0 missing',
  );
});

test('text: each differing message with its path, recorded and new value, then the summary; colour only when asked', () => {
  const text = formatReplayText(report(), { color: false });
  assert.match(
    text,
    /✗ differs invocationResponse 'hello' invocation i1 \(recorded #9\)\n {4}invocationResponse\.returnValue\.http\.body\.string\n {6}- "Hello, Ada!"\n {6}\+ "Howdy, Ada!"/,
  );
  assert.match(text, /✗ missing invocationResponse invocation i2 .* — no answer within 10000 ms/);
  assert.match(text, /✗ unexpected workerActionResponse/);
  assert.match(
    text,
    /1 answers matched, 1 differed, 1 missing, 1 unexpected \(7 sent, pace fast, 1\.23 s\)\n$/,
  );
  assert.doesNotMatch(text, /\u001b\[/, 'no escape codes without colour');
  assert.doesNotMatch(text, /workerInitResponse/, 'matched answers are not listed by default');
  assert.match(formatReplayText(report(), { color: true }), /\u001b\[/);
  assert.match(formatReplayText(report(), { color: false, verbose: true }), /✓ workerInitResponse/);
});

test('JSON report carries the outcomes, the exit code and the summary', () => {
  const doc = JSON.parse(formatReplayJson(report()));
  assert.equal(doc.exitCode, 1);
  assert.equal(doc.summary, '1 answers matched, 1 differed, 1 missing, 1 unexpected');
  assert.equal(doc.outcomes.length, 4);
  assert.deepEqual(doc.counts, { matched: 1, differed: 1, missing: 1, extra: 1, skipped: 0 });
});

test('JUnit: one test case per answer, failures carry the diff, XML escaped', () => {
  const xml = formatReplayJunit(report({ stream: { broken: true, detail: 'reset <by peer>' } }));
  assert.equal((xml.match(/<testcase /g) ?? []).length, 5, 'four answers and the broken stream');
  assert.equal((xml.match(/<failure /g) ?? []).length, 3);
  assert.match(
    xml,
    /<testsuite name="functape replay host session 3 \(ci\)" tests="5" failures="3" errors="1"/,
  );
  assert.match(
    xml,
    /<failure type="differed" message="1 field\(s\) differ: invocationResponse.returnValue.http.body.string">/,
  );
  assert.match(xml, /&quot;Hello, Ada!&quot;/);
  assert.match(xml, /&lt;&amp;&gt;/);
  assert.match(xml, /<error type="broken" message="reset &lt;by peer&gt;"\/>/);
  assert.doesNotMatch(xml.replace(/<\/?[a-z][^>]*>|<\?xml[^>]*\?>/g, ''), /[<>]/, 'no stray markup');
});

test('bytes values that hold text are shown as text; huge values are cut in JSON', () => {
  const body = (s: string) => Buffer.from(s).toString('base64');
  const o: ReplayOutcome = {
    kind: 'invocationResponse',
    key: 'invocationResponse:x',
    status: 'differed',
    recordedSeq: 1,
    differences: [
      {
        path: 'invocationResponse.returnValue.http.body.bytes',
        recorded: body('Hello, Ada!'),
        live: body('Hi, Ada!'),
      },
      {
        path: 'invocationResponse.returnValue.bytes',
        recorded: Buffer.from([0, 1, 2, 255]).toString('base64'),
        live: 'x'.repeat(10_000),
      },
    ],
  };
  const r = report({ outcomes: [o], counts: tallyOutcomes([o]) });
  const text = formatReplayText(r, { color: false });
  assert.match(text, /- bytes "Hello, Ada!" \(11 bytes\)\n\s+\+ bytes "Hi, Ada!" \(8 bytes\)/);
  assert.match(text, /- "AAEC\/w=="/, 'binary stays base64');
  const json = formatReplayJson(r);
  assert.ok(json.length < 6000, 'the 10 000-character value was cut');
  assert.match(json, /… \(10000 chars\)/);
});

test('faults: the text lists injected faults and the fault verdict; JUnit errs on it; exit 1 (a broken stream too)', () => {
  const faults = {
    seed: 4,
    specs: ['break@2'],
    injected: [{ at: 2, fault: 'break', detail: 'RST_STREAM (CANCEL), then the connection dropped' }],
    failure: 'the worker did not exit within 5 s after the stream broke',
  };
  const r = report({ faults });
  const text = formatReplayText(r, { color: false });
  assert.match(text, /faults \(seed 4\): break@2 — 1 injected \(1 break\)\n {2}break #2: RST_STREAM/);
  assert.match(text, /fault verdict: the worker did not exit/);
  assert.match(
    formatReplayJunit(r),
    /<testcase classname="faults" name="faults" time="0">\n\s+<error type="fault" message="the worker did not exit/,
  );
  assert.equal(replayExitCode(report({ outcomes: [], counts: tallyOutcomes([]), faults })), 1);
  const { failure: _none, ...clean } = faults;
  assert.equal(
    replayExitCode(
      report({ outcomes: [], counts: tallyOutcomes([]), faults: clean, stream: { broken: true } }),
    ),
    1,
  );
  assert.equal(
    replayExitCode(report({ outcomes: [], counts: tallyOutcomes([]), stream: { broken: true } })),
    3,
  );
});
