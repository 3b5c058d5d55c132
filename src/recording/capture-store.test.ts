import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCaptureStore } from './capture-store.js';

/** Nice value of every thread of this process (Linux /proc), by thread id. */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // fields after "(comm)": state is field 3, nice is field 19
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const linuxOnly = { skip: process.platform !== 'linux' && 'reads /proc', timeout: 10_000 };

test('the writer thread alone runs at the lower priority; the proxy thread keeps the process priority', linuxOnly, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const process0 = getPriority();
  const before = threadNices();
  const store = await openCaptureStore(join(dir, 'rec.db'), { tuning: { writerNice: Math.min(19, process0 + 7) } });
  const lowered = [...threadNices()].filter(([tid, nice]) => !before.has(tid) && nice === Math.min(19, process0 + 7));
  await store.close();
  assert.equal(lowered.length, 1, 'exactly one new thread (the writer) runs at the lower priority');
  assert.equal(getPriority(), process0, 'the main thread is unchanged');
  assert.ok([...threadNices()].every(([, nice]) => nice === process0), 'no thread left at another priority after close');
});

test('writerNice null leaves every thread at the process priority', linuxOnly, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'functape-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openCaptureStore(join(dir, 'rec.db'), { tuning: { writerNice: null } });
  const nices = new Set(threadNices().values());
  await store.close();
  assert.deepEqual([...nices], [getPriority()]);
});
