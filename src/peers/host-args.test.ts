import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildHostArgs,
  formatFunctionsUri,
  parseFunctionsUri,
  parseHostArgs,
  rewriteHostAddress,
} from './host-args.js';

const W = '6f1c3a52-0d7e-4c6b-9a1e-2b4f5d6e7a8b';
const R = 'c0ffee00-1111-2222-3333-444455556666';
const BOTH = buildHostArgs({ host: '127.0.0.1', port: 50123, workerId: W, requestId: R });

test('buildHostArgs gives both forms in the order a host appends them', () => {
  assert.deepEqual(BOTH, [
    '--host',
    '127.0.0.1',
    '--port',
    '50123',
    '--workerId',
    W,
    '--requestId',
    R,
    '--grpcMaxMessageLength',
    '2147483647',
    '--functions-uri',
    'http://127.0.0.1:50123/',
    '--functions-worker-id',
    W,
    '--functions-request-id',
    R,
    '--functions-grpc-max-message-length',
    '2147483647',
  ]);
});

const cases: Array<{ name: string; argv: string[]; want: Record<string, unknown> | string }> = [
  {
    name: 'both forms after a worker path',
    argv: ['worker.js', ...BOTH],
    want: {
      host: '127.0.0.1',
      port: 50123,
      workerId: W,
      requestId: R,
      maxMessageLength: 2147483647,
      forms: { short: true, functions: true },
      warnings: [],
    },
  },
  {
    name: 'functions form only',
    argv: [
      '--functions-uri',
      'http://localhost:7071/',
      '--functions-worker-id',
      W,
      '--functions-request-id',
      R,
      '--functions-grpc-max-message-length',
      '100',
    ],
    want: {
      host: 'localhost',
      port: 7071,
      workerId: W,
      requestId: R,
      maxMessageLength: 100,
      forms: { short: false, functions: true },
      warnings: [],
    },
  },
  {
    name: 'short form only, without max length',
    argv: ['-u', '--host', '10.0.0.1', '--port', '9', '--workerId', W, '--requestId', R],
    want: {
      host: '10.0.0.1',
      port: 9,
      workerId: W,
      requestId: R,
      forms: { short: true, functions: false },
      warnings: [],
    },
  },
  {
    name: '--flag=value tokens and IPv6 uri',
    argv: [`--functions-uri=http://[::1]:5000/`, `--functions-worker-id=${W}`, `--functions-request-id=${R}`],
    want: {
      host: '::1',
      port: 5000,
      workerId: W,
      requestId: R,
      forms: { short: false, functions: true },
      warnings: [],
    },
  },
  {
    name: 'disagreeing forms: functions form wins, with a warning',
    argv: [
      '--port',
      '1',
      '--host',
      'a',
      '--workerId',
      'x',
      '--requestId',
      R,
      '--functions-uri',
      'http://a:2/',
      '--functions-worker-id',
      W,
      '--functions-request-id',
      R,
    ],
    want: {
      host: 'a',
      port: 2,
      workerId: W,
      requestId: R,
      forms: { short: true, functions: true },
      warnings: [
        'the --functions-uri port 2 disagrees with --port 1; using 2',
        `--functions-worker-id ${W} disagrees with --workerId x; using ${W}`,
      ],
    },
  },
  { name: 'no host flags', argv: ['node', 'worker.js', '--inspect'], want: 'no host arguments' },
  {
    name: 'missing request id',
    argv: ['--functions-uri', 'http://h:1/', '--functions-worker-id', W],
    want: 'missing request id',
  },
  { name: 'flag without value at the end', argv: ['--host', 'h', '--port'], want: '--port needs a value' },
  {
    name: 'bad port',
    argv: ['--host', 'h', '--port', '99999', '--workerId', W, '--requestId', R],
    want: 'not a port number',
  },
  {
    name: 'bad uri',
    argv: ['--functions-uri', 'h:1', '--functions-worker-id', W, '--functions-request-id', R],
    want: 'is not http://HOST:PORT/',
  },
  {
    name: 'bad max length',
    argv: ['--host', 'h', '--port', '1', '--workerId', W, '--requestId', R, '--grpcMaxMessageLength', 'x'],
    want: 'not a number',
  },
];

for (const c of cases) {
  test(`parseHostArgs: ${c.name}`, () => {
    const r = parseHostArgs(c.argv);
    if (typeof c.want === 'string') {
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error, new RegExp(c.want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    } else {
      assert.equal(r.ok, true, r.ok ? '' : r.error);
      if (r.ok) assert.deepEqual(r.args, c.want);
    }
  });
}

test('parseHostArgs reports none only when no host flag was given', () => {
  const none = parseHostArgs(['x']);
  const partial = parseHostArgs(['--host', 'h']);
  assert.equal(!none.ok && none.none, true);
  assert.equal(!partial.ok && partial.none, false);
});

test('rewriteHostAddress changes only the address, in both forms and token layouts', () => {
  const argv = [
    'node',
    '--enable-source-maps',
    'w.js',
    '--port-like',
    '3',
    ...BOTH,
    '--functions-uri=http://127.0.0.1:50123/x?y',
  ];
  const out = rewriteHostAddress(argv, { host: '127.0.0.1', port: 40000 });
  const want = argv.slice();
  want[want.indexOf('--port') + 1] = '40000';
  want[want.indexOf('--functions-uri') + 1] = 'http://127.0.0.1:40000/';
  want[want.length - 1] = '--functions-uri=http://127.0.0.1:40000/x?y';
  assert.deepEqual(out, want);
  assert.notEqual(out, argv);
  const parsed = parseHostArgs(out);
  assert.ok(
    parsed.ok &&
      parsed.args.port === 40000 &&
      parsed.args.workerId === W &&
      parsed.args.warnings.length === 0,
  );
});

test('rewriteHostAddress to an IPv6 host brackets it in the uri only', () => {
  const out = rewriteHostAddress(BOTH, { host: '::1', port: 7 });
  assert.equal(out[out.indexOf('--host') + 1], '::1');
  assert.equal(out[out.indexOf('--functions-uri') + 1], 'http://[::1]:7/');
});

test('functions uri helpers round-trip', () => {
  assert.equal(formatFunctionsUri('::1', 5), 'http://[::1]:5/');
  assert.deepEqual(parseFunctionsUri('http://[::1]:5/'), { host: '::1', port: 5 });
  assert.deepEqual(parseFunctionsUri('http://h:80'), { host: 'h', port: 80 });
  assert.equal(parseFunctionsUri('http://h/'), undefined);
  assert.equal(parseFunctionsUri('http://h:0/'), undefined);
});
