import type { Argv } from 'yargs';
import type { CaptureStore } from '../model/store.js';
import type { RedactRules } from '../codec/redact.js';
import { CliError, type CliIo, type FlagsOf } from './command.js';
import { redactFlags, resolveRedactFlags } from './redact-flags.js';

/** The capture-store flags `record` and `wrap` share (declared here, once; the redaction flags in redact-flags.ts). */
export function storeFlags<T>(y: Argv<T>) {
  return redactFlags(y)
    .option('db', {
      type: 'string',
      demandOption: true,
      describe:
        'the SQLite recording to write (created with mode 0600; an existing recording is appended to)',
    })
    .option('label', { type: 'string', describe: 'a label stored with every session of this run' })
    .option('on-store-error', {
      type: 'string',
      default: 'forward',
      describe:
        'forward|fail: when the database cannot be written (disk full, I/O error), keep forwarding and count what was not stored, or end the streams',
    })
    .option('max-db-bytes', {
      type: 'string',
      describe: 'cap the database file at this size (e.g. 500M, 2G); beyond it writes fail as on a full disk',
    })
    .option('push-to', {
      type: 'string',
      describe:
        'postgres://...: push each session to this fleet database when it ends, in a background process (docs/FLEET.md)',
    });
}

// biome-ignore lint/complexity/noBannedTypes: {} is yargs' own type for an Argv with no flags yet
export type StoreFlags = FlagsOf<ReturnType<typeof storeFlags<{}>>>;

/** `123`, `64K`, `500M`, `2G` (binary multiples) → bytes. */
export function parseByteSize(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new CliError(`${flag} ${JSON.stringify(text)} is not a size (e.g. 1048576, 64K, 500M, 2G)`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[
    m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'
  ];
  const bytes = Math.floor(Number(m[1]) * mult);
  if (bytes < 4096) throw new CliError(`${flag} ${text} is too small (at least 4K)`);
  return bytes;
}

/** What the store flags resolve to, before anything is opened (usage errors surface here). */
export interface StoreSettings {
  path: string;
  label?: string;
  onStoreError: 'forward' | 'fail';
  redact: RedactRules | false;
  maxBytes?: number;
  /** A fleet database to push ended sessions to (cli/push-to.ts). */
  pushTo?: string;
}

export async function resolveStoreFlags(
  args: StoreFlags,
  io: CliIo,
  command: string,
): Promise<StoreSettings> {
  if (!args.db.trim()) throw new CliError('--db needs a file name');
  // Validated here rather than with yargs `choices`, whose message spans several lines.
  const onStoreError = args['on-store-error'];
  if (onStoreError !== 'forward' && onStoreError !== 'fail') {
    throw new CliError(`--on-store-error ${JSON.stringify(onStoreError)}: use forward or fail`);
  }
  const redact = await resolveRedactFlags(args);
  const { REDACT_OFF_WARNING } = await import('./redact.js');
  if (redact === false) io.stderr.write(`functape ${command}: ${REDACT_OFF_WARNING}\n`);
  const settings: StoreSettings = { path: args.db, onStoreError, redact };
  if (args.label !== undefined) settings.label = args.label;
  if (args['push-to'] !== undefined) {
    const { requirePostgresUrl } = await import('./push.js');
    settings.pushTo = requirePostgresUrl('push-to', args['push-to']);
    if (redact === false)
      throw new CliError(
        '--push-to does not push what --redact off records (secrets must not spread by accident)',
      );
  }
  if (args['max-db-bytes'] !== undefined) {
    const { MIN_MAX_BYTES } = await import('../recording/open-database.js');
    settings.maxBytes = parseByteSize(args['max-db-bytes'], '--max-db-bytes');
    if (settings.maxBytes < MIN_MAX_BYTES) {
      throw new CliError(
        `--max-db-bytes ${args['max-db-bytes']} is too small to hold a recording (at least ${MIN_MAX_BYTES / 1024}K)`,
      );
    }
  }
  return settings;
}

/** Open the capture store; a file that cannot be used is a one-line CliError (exit 2). */
export async function openStore(settings: StoreSettings): Promise<CaptureStore> {
  return (await beginOpenStore(settings)).ready;
}

/**
 * Start opening the capture store and return once the file has been checked, before the
 * store's writer thread is ready (`ready` resolves then, or rejects with a one-line
 * CliError if the thread cannot open it). A file that cannot be used (foreign, newer
 * schema, corrupt, not writable) is a CliError from this call itself, so a command can
 * refuse it before it tells anyone it is listening.
 *
 * Relies on openCaptureStore checking the file synchronously, before its first await
 * (it starts the writer thread only after the check): by the next turn of the event loop
 * such a rejection has settled. test/record-cli.test.ts (nothing on stdout for a
 * foreign file) keeps that true.
 *
 * `onChecked` runs once the file has passed that check (before `ready`).
 *
 * `abandon()`: for a command that cannot start after all (its proxy cannot listen) —
 * closes the store and, when this open created the file, removes it, so a failed start
 * leaves nothing behind; an existing recording is kept.
 */
export async function beginOpenStore(
  settings: StoreSettings,
  onChecked?: () => void,
): Promise<{ ready: Promise<CaptureStore>; abandon(): Promise<void> }> {
  const [{ openCaptureStore }, { removeRecordingFiles }, { existsSync }] = await Promise.all([
    import('../recording/capture-store.js'),
    import('../recording/open-database.js'),
    import('node:fs'),
  ]);
  const existed = existsSync(settings.path);
  const ready = openCaptureStore(settings.path, {
    ...(settings.label !== undefined ? { label: settings.label } : {}),
    redact: settings.redact,
    onStoreError: settings.onStoreError,
    ...(settings.maxBytes !== undefined ? { maxBytes: settings.maxBytes } : {}),
  }).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliError(message.includes(settings.path) ? message : `${settings.path}: ${message}`);
  });
  let checkFailed: { error: unknown } | undefined;
  ready.catch((error: unknown) => (checkFailed = { error }));
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (checkFailed) throw checkFailed.error;
  onChecked?.();
  return {
    ready,
    abandon: async () => {
      await ready.then(
        (store) => store.close(),
        () => {},
      );
      if (!existed) removeRecordingFiles(settings.path);
    },
  };
}
