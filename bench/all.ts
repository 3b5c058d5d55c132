import type { Benchmark } from './lib/benchmark.js';
import { throughputBenchmark } from './b1-throughput.js';
import { latencyBenchmark } from './b2-latency.js';
import { completenessBenchmark } from './b3-completeness.js';
import { storeBenchmark } from './b4-store.js';

/** Every benchmark of issue 5's table, in order. */
export const ALL_BENCHMARKS: readonly Benchmark[] = [throughputBenchmark, latencyBenchmark, completenessBenchmark, storeBenchmark];
