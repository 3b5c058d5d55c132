/**
 * Why a file could not be used as a functape recording. Always a one-line message that
 * names the file; CLI commands print it and exit 2. Thrown before anything is written:
 * a file that gives this error is left byte-identical.
 */
export type RecordingErrorReason =
  | 'missing' // no such file (readers only: writers create it)
  | 'unreadable' // permissions, a directory, I/O error
  | 'not-sqlite' // not an SQLite database at all (e.g. a text file)
  | 'foreign' // an SQLite database written by another program
  | 'newer-schema' // written by a newer functape (PRAGMA user_version above what we know)
  | 'corrupt' // SQLite says the file is malformed or truncated
  | 'in-use'; // another process has it open and must not (redact while a writer records)

export class RecordingError extends Error {
  constructor(
    message: string,
    readonly reason: RecordingErrorReason,
    readonly path: string,
  ) {
    super(message);
    this.name = 'RecordingError';
  }
}

/** SQLite result codes that mean the file itself is bad, not the query. */
const FILE_CODES: Record<string, RecordingErrorReason> = {
  SQLITE_CORRUPT: 'corrupt',
  SQLITE_CORRUPT_INDEX: 'corrupt',
  SQLITE_CORRUPT_SEQUENCE: 'corrupt',
  SQLITE_CORRUPT_VTAB: 'corrupt',
  SQLITE_NOTADB: 'not-sqlite',
  SQLITE_CANTOPEN: 'unreadable',
  SQLITE_IOERR: 'unreadable',
  SQLITE_PERM: 'unreadable',
};

/**
 * Turn an SQLite error about the file (corrupt, not a database, cannot open) into a
 * RecordingError; other errors are returned unchanged.
 */
export function asRecordingError(err: unknown, path: string): unknown {
  if (err instanceof RecordingError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const reason =
    FILE_CODES[code] ??
    (code.startsWith('SQLITE_IOERR')
      ? 'unreadable'
      : code.startsWith('SQLITE_CORRUPT')
        ? 'corrupt'
        : undefined);
  if (!reason) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const what =
    reason === 'corrupt'
      ? 'is corrupt'
      : reason === 'not-sqlite'
        ? 'is not an SQLite database'
        : 'cannot be read';
  return new RecordingError(`${path} ${what} (${detail})`, reason, path);
}
