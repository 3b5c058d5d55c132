import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerThreadPriority, type ThreadPriorityOs } from './thread-priority.js';

function fakeOs(nice: number, fail?: 'threadId' | 'setPriority'): ThreadPriorityOs & { set: number[] } {
  const set: number[] = [];
  return {
    set,
    threadId() {
      if (fail === 'threadId')
        throw Object.assign(new Error("ENOENT: no such file or directory, readlink '/proc/thread-self'"), {
          code: 'ENOENT',
        });
      return 4242;
    },
    getPriority: () => nice,
    setPriority(id, n) {
      if (fail === 'setPriority')
        throw Object.assign(
          new Error('A system error occurred: uv_os_setpriority returned EACCES (permission denied)'),
          { code: 'ERR_SYSTEM_ERROR' },
        );
      assert.equal(id, 4242);
      set.push(n);
    },
  };
}

test('lowers the thread to the nice value asked for', () => {
  const os = fakeOs(0);
  assert.deepEqual(lowerThreadPriority(10, os), { lowered: true, tid: 4242, from: 0, to: 10 });
  assert.deepEqual(os.set, [10]);
});

test('never raises a priority: a thread already at that nice value or lower priority is left alone', () => {
  const os = fakeOs(15);
  assert.deepEqual(lowerThreadPriority(10, os), { lowered: false, reason: 'already at nice 15' });
  assert.deepEqual(os.set, []);
});

test('refused or impossible (no /proc/thread-self, EACCES): reports why, never throws', () => {
  const refused = lowerThreadPriority(10, fakeOs(0, 'setPriority'));
  assert.equal(refused.lowered, false);
  assert.match(!refused.lowered ? refused.reason : '', /EACCES/);
  const noProc = lowerThreadPriority(10, fakeOs(0, 'threadId'));
  assert.equal(noProc.lowered, false);
  assert.match(!noProc.lowered ? noProc.reason : '', /thread-self/);
});

test('on this system: only the calling worker thread gets the new nice value, not the process', {
  skip: process.platform !== 'linux' && 'Linux only',
}, async () => {
  const before = getPriority();
  const url = new URL('./thread-priority.js', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(url)}).then((m) => {
       const r = m.lowerThreadPriority(${Math.min(19, before + 5)});
       require('node:worker_threads').parentPort.postMessage({ r, now: r.lowered ? require('node:os').getPriority(r.tid) : null });
     });`,
    { eval: true },
  );
  const { r, now } = (await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  })) as { r: ReturnType<typeof lowerThreadPriority>; now: number | null };
  await worker.terminate();
  assert.equal(r.lowered, true, JSON.stringify(r));
  assert.equal(now, Math.min(19, before + 5));
  assert.equal(getPriority(), before, 'the main thread keeps its priority');
});
