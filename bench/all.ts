import type { Benchmark } from './lib/benchmark.js';
import { throughputBenchmark } from './b1-throughput.js';
import { latencyBenchmark } from './b2-latency.js';
import { completenessBenchmark } from './b3-completeness.js';
import { storeBenchmark } from './b4-store.js';
import { memoryBenchmark } from './b5-memory.js';
import { pacingBenchmark } from './b6-pacing.js';
import { generatorBenchmark } from './b7-generator.js';
import { showExportBenchmark } from './b8-show-export.js';
import { cliStartBenchmark } from './b9-cli-start.js';
import { steadyCpuBenchmark } from './b10-steady-cpu.js';
import { minimizeBenchmark } from './b16-minimize.js';
import { viewBenchmark } from './b11-view.js';
import { fleetBenchmark } from './b12-fleet.js';

/** Every benchmark of the table, in order. */
export const ALL_BENCHMARKS: readonly Benchmark[] = [
  throughputBenchmark,
  latencyBenchmark,
  completenessBenchmark,
  storeBenchmark,
  memoryBenchmark,
  pacingBenchmark,
  generatorBenchmark,
  showExportBenchmark,
  cliStartBenchmark,
  steadyCpuBenchmark,
  viewBenchmark,
  minimizeBenchmark,
  fleetBenchmark,
];
