// defineCommand infers `run`'s argument types from the builder's flag declarations, shared
// flag groups included. The `@ts-expect-error` lines are the proof that a renamed or
// misspelled flag is a compile error: `npm run build` (tsc) fails if any of them stops
// being an error. The runtime tests check that yargs hands over what the types promise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import { CliError, defineCommand, usageError, type AnyCommand, type CliIo } from './command.js';
import { allowRemoteFlag } from './listen-address.js';
import { redactFlags } from './redact-flags.js';
import type { hostCommand } from './host.js';
import type { ReplayArgs } from './replay-flags.js';
import type { BenchArgs } from './bench-flags.js';

const seen: unknown[] = [];

const probe = defineCommand({
  command: 'probe',
  describe: 'a command declared for this test',
  builder: (y) =>
    allowRemoteFlag(redactFlags(y))
      .option('db', { type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false })
      .option('threads', { type: 'string' })
      .option('kind', { type: 'string', array: true })
      .option('direction', { choices: ['toHost', 'toWorker'] as const }),
  run: async (args) => {
    const db: string = args.db;
    const json: boolean = args.json;
    const threads: string | undefined = args.threads;
    const kinds: string[] | undefined = args.kind;
    const direction: 'toHost' | 'toWorker' | undefined = args.direction;
    const redact: string = args.redact;
    const rules: string | undefined = args['redact-rules'];
    const remote: boolean = args['allow-remote'];
    // @ts-expect-error a flag the builder does not declare
    void args.dbb;
    // @ts-expect-error a shared group's flag, misspelled
    void args['redact-rule'];
    // @ts-expect-error a flag without a default may be absent
    const sure: string = args.threads;
    // @ts-expect-error choices are typed as their values
    const other: 'toHost' | undefined = args.direction;
    seen.push({ db, json, threads, kinds, direction, redact, rules, remote, rest: args._, sure, other });
    return 0;
  },
});

/** Compile-time only: the flags of the real commands, as their run() receives them. */
export type RealCommandFlags = [
  Parameters<typeof hostCommand.run>[0]['cancel-every'],
  (
    | ReplayArgs['answer-timeout']
    | ReplayArgs['functions-uri']
    | ReplayArgs['allow-remote']
    | ReplayArgs['redact']
  ),
  BenchArgs['max-regression'] | BenchArgs['redact-rules'],
  // @ts-expect-error host declares --cancel-every, not --cancel-each
  Parameters<typeof hostCommand.run>[0]['cancel-each'],
  // @ts-expect-error the host connection flags are the ones peers/host-args.ts lists
  ReplayArgs['functions-url'],
  // @ts-expect-error bench has no --allow-remote (it listens on loopback only)
  BenchArgs['allow-remote'],
];

async function runParsed(command: AnyCommand, argv: string[]): Promise<number | undefined> {
  const io: CliIo = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    signal: new AbortController().signal,
  };
  let code: number | undefined;
  await yargs(argv)
    .strict()
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new CliError(msg);
    })
    .command({
      command: command.command as string,
      describe: command.describe,
      builder: command.builder,
      handler: async (args) => {
        code = await command.run(args, io);
      },
    })
    .parseAsync();
  return code;
}

test('run receives what the builder declares, shared flag groups included', async () => {
  seen.length = 0;
  const argv = [
    'probe',
    '--db',
    'x.db',
    '--kind',
    'a',
    '--kind',
    'b',
    '--direction',
    'toHost',
    '--allow-remote',
  ];
  assert.equal(await runParsed(probe, argv), 0);
  assert.equal(seen.length, 1);
  const got = seen[0] as Record<string, unknown>;
  assert.deepEqual(
    {
      db: got.db,
      json: got.json,
      threads: got.threads,
      kinds: got.kinds,
      direction: got.direction,
      redact: got.redact,
      rules: got.rules,
      remote: got.remote,
    },
    {
      db: 'x.db',
      json: false,
      threads: undefined,
      kinds: ['a', 'b'],
      direction: 'toHost',
      redact: 'on',
      rules: undefined,
      remote: true,
    },
  );
  assert.deepEqual(got.rest, ['probe']);
});

test('a flag the builder does not declare is refused at run time too (strict)', async () => {
  await assert.rejects(runParsed(probe, ['probe', '--db', 'x.db', '--dbb', 'y']), /Unknown argument/);
});

test('usageError turns a thrown parse error into one CliError line, naming the flag once', () => {
  const cases: Array<[() => unknown, string | undefined, RegExp]> = [
    [
      () => {
        throw new Error('bad pace "2y"');
      },
      '--pace',
      /^--pace: bad pace "2y"$/,
    ],
    [
      () => {
        throw new Error('--pace takes recorded, fast or <N>x');
      },
      '--pace',
      /^--pace takes recorded/,
    ],
    [
      () => {
        throw new Error('give either --duration or --invocations');
      },
      undefined,
      /^give either --duration or --invocations$/,
    ],
    [
      () => {
        throw 'a string';
      },
      '--worker',
      /^--worker: a string$/,
    ],
  ];
  for (const [fn, flag, message] of cases) {
    assert.throws(
      () => usageError(fn, flag),
      (err: unknown) => err instanceof CliError && err.exitCode === 2 && message.test(err.message),
    );
  }
  const own = new CliError('already one line', 3);
  assert.throws(
    () =>
      usageError(() => {
        throw own;
      }, '--x'),
    (err: unknown) => err === own,
  );
  assert.equal(
    usageError(() => 42, '--x'),
    42,
  );
});
