import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** What one in-process CLI run printed, and its exit code. */
export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps every byte written to it (decoded as UTF-8 only at the end). */
export function sink(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** Run the real CLI (yargs parser, commands, exit-code mapping) in this process. */
export async function runMain(argv: string[]): Promise<MainRun> {
  const stdout = sink();
  const stderr = sink();
  const code = await main(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
