/**
 * Lines to a writable stream with backpressure and few syscalls: lines are joined into
 * chunks of about `chunkBytes` and a chunk is written only when the stream has room, so
 * memory stays flat however many lines pass. A closed pipe (EPIPE, e.g. `| head`) is not
 * an error: `closed` turns true and the producer should stop.
 */
export interface LineOutput {
  /** Queue one line (without its newline). Returns a promise only when the caller must wait. */
  line(text: string): Promise<void> | undefined;
  /** Queue text that already ends with a newline (many lines at once). */
  text(chunk: string): Promise<void> | undefined;
  /**
   * Write UTF-8 bytes that already end with a newline, after what is queued (not copied: do
   * not reuse them until `written` is called, once the stream is done with them; it is also
   * called when they are dropped because the output closed).
   */
  bytes(chunk: Uint8Array, written?: () => void): Promise<void> | undefined;
  /** Write what is queued and wait until the stream has taken it. */
  flush(): Promise<void>;
  readonly closed: boolean;
}

export function createLineOutput(stream: NodeJS.WritableStream, chunkBytes = 64 * 1024): LineOutput {
  // Lines are encoded straight into a byte chunk (no array of strings joined and encoded
  // again); a chunk handed to the stream is never touched again, the next one is new.
  let chunk = Buffer.allocUnsafeSlow(0);
  let size = 0;
  let closed = false;
  let failure: Error | undefined;
  const onError = (err: NodeJS.ErrnoException) => {
    closed = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') failure = err;
  };
  stream.on('error', onError);

  /** Room for `text` (UTF-8: at most 3 bytes per UTF-16 unit) and a newline, writing what is queued first when needed. */
  function room(text: string): Promise<void> | undefined {
    const worst = text.length * 3 + 1;
    if (size + worst <= chunk.length) return undefined;
    const wait = push();
    chunk = Buffer.allocUnsafeSlow(Math.max(chunkBytes, worst));
    return wait;
  }

  function add(text: string, newline: boolean): Promise<void> | undefined {
    if (failure) throw failure;
    const wait = room(text);
    size += chunk.write(text, size);
    if (newline) chunk[size++] = 10;
    // A caller that was asked to wait gets the chunk written now or at its next line.
    return wait ?? (size >= chunkBytes ? push() : undefined);
  }

  function waitDrain(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        stream.off('drain', done);
        stream.off('close', done);
        stream.off('error', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('close', done);
      stream.on('error', done);
    });
  }

  function push(): Promise<void> | undefined {
    if (size === 0) return undefined;
    const full = chunk.subarray(0, size);
    chunk = Buffer.allocUnsafeSlow(0); // the next line allocates the next chunk
    size = 0;
    if (closed) return undefined;
    return stream.write(full) ? undefined : waitDrain();
  }

  return {
    line(text) {
      return add(text, true);
    },
    text(text) {
      return add(text, false);
    },
    bytes(bytes, written) {
      if (failure) throw failure;
      const before = push();
      if (closed || bytes.length === 0) {
        written?.();
        return before;
      }
      const more = written ? stream.write(bytes, () => written()) : stream.write(bytes);
      return before ?? (more ? undefined : waitDrain());
    },
    async flush() {
      await push();
      if (failure) throw failure;
    },
    get closed() {
      return closed;
    },
  };
}
