import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The chart library's script and stylesheet, to inline into a self-contained page. */
export interface ChartAssets {
  script: string;
  css: string;
}

/** Read uPlot from node_modules (it ships with functape), so HTML reports work offline. */
export function loadUplotAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  const js = require.resolve('uplot/dist/uPlot.iife.min.js');
  const css = require.resolve('uplot/dist/uPlot.min.css');
  return { script: readFileSync(js, 'utf8'), css: readFileSync(css, 'utf8') };
}
