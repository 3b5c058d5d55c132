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
  let parts: string[] = [];
  let size = 0;
  let closed = false;
  let failure: Error | undefined;
  const onError = (err: NodeJS.ErrnoException) => {
    closed = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') failure = err;
  };
  stream.on('error', onError);

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
    const chunk = parts.join('');
    parts = [];
    size = 0;
    if (closed) return undefined;
    return stream.write(chunk) ? undefined : waitDrain();
  }

  return {
    line(text) {
      if (failure) throw failure;
      parts.push(text, '\n');
      size += text.length + 1;
      return size >= chunkBytes ? push() : undefined;
    },
    text(chunk) {
      if (failure) throw failure;
      parts.push(chunk);
      size += chunk.length;
      return size >= chunkBytes ? push() : undefined;
    },
    bytes(chunk, written) {
      if (failure) throw failure;
      const before = push();
      if (closed || chunk.length === 0) {
        written?.();
        return before;
      }
      const room = written ? stream.write(chunk, () => written()) : stream.write(chunk);
      return before ?? (room ? undefined : waitDrain());
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
