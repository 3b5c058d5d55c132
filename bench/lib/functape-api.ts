// Where the benchmarks find functape's own pieces in dist/. Each loader fails with a clear
// "not available yet" error when the piece has not landed, so the harness still measures
// the baselines.
import type { CaptureStore } from '../../src/model/store.js';

export class MissingPiece extends Error {}

async function tryImport(specs: string[]): Promise<Record<string, any>> {
  const errors: string[] = [];
  for (const s of specs) {
    try {
      return (await import(s)) as Record<string, any>;
    } catch (err) {
      errors.push(`${s}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }
  throw new MissingPiece(errors.join('; '));
}

/** functape's `openCaptureStore(path, opts)` (worker-thread batched SQLite writer). */
export async function loadCaptureStore(): Promise<
  (path: string, opts?: Record<string, unknown>) => Promise<CaptureStore>
> {
  const mod = await tryImport([
    '../../src/index.js',
    '../../src/recording/capture-store.js',
    '../../src/recording/index.js',
  ]);
  const fn = mod.openCaptureStore;
  if (typeof fn !== 'function') {
    const alt = await tryImport(['../../src/recording/capture-store.js', '../../src/recording/index.js']);
    if (typeof alt.openCaptureStore !== 'function')
      throw new MissingPiece('openCaptureStore is not exported yet');
    return alt.openCaptureStore;
  }
  return fn;
}

/** functape's replay host driver and the in-memory duplex pair. */
export async function loadReplay(): Promise<{
  replayHost: (o: any) => Promise<unknown>;
  createDuplexPair: () => any;
}> {
  const host = await tryImport(['../../src/replay/replay-host.js']);
  const mem = await tryImport(['../../src/replay/memory-duplex.js']);
  if (typeof host.replayHost !== 'function' || typeof mem.createDuplexPair !== 'function')
    throw new MissingPiece('replayHost / createDuplexPair not exported');
  return { replayHost: host.replayHost, createDuplexPair: mem.createDuplexPair };
}
