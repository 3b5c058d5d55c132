// Preloaded (`node --import`) into measured child processes: when the process exits, writes
// its own peak RSS and CPU time to the file named by FUNCTAPE_BENCH_EXIT_REPORT. Covers
// worker threads too (process-wide rusage). Does nothing when the variable is unset.
import { writeFileSync } from 'node:fs';

const file = process.env.FUNCTAPE_BENCH_EXIT_REPORT;
if (file) {
  const started = performance.now();
  process.on('exit', () => {
    const u = process.resourceUsage();
    const report = {
      maxRssMB: u.maxRSS / 1024,
      userMs: u.userCPUTime / 1000,
      systemMs: u.systemCPUTime / 1000,
      aliveMs: performance.now() - started,
    };
    try {
      writeFileSync(file, JSON.stringify(report));
    } catch {
      // the benchmark will report the figure as missing
    }
  });
}
