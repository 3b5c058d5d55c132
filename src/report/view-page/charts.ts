import uPlot from 'uplot';
import type { TimelineColumns } from '../view-data.js';
import { el } from './api.js';

/**
 * The two strip charts under the timeline (uPlot): invocations in flight and answers per
 * second, one point per column of the current view, x in seconds since the session start.
 */
export function stripCharts(root: HTMLElement): { update(c: TimelineColumns): void } {
  const a = el('div', { id: 'chart-inflight' });
  const b = el('div', { id: 'chart-rate' });
  root.replaceChildren(
    el('div', {}, el('h4', {}, 'Invocations in flight'), a),
    el('div', {}, el('h4', {}, 'Answers per second (failed in red), over 1/80 of the view'), b),
  );
  const width = () => Math.max(200, Math.floor(root.clientWidth / 2) - 12);
  const opts = (series: uPlot.Series[]): uPlot.Options => ({
    width: width(),
    height: 140,
    legend: { show: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [{ size: 30 }, { size: 60 }],
    series: [{}, ...series],
  });
  const empty: uPlot.AlignedData = [[], []];
  const inflight = new uPlot(
    opts([{ stroke: '#4e79a7', fill: 'rgba(78,121,167,0.2)', paths: uPlot.paths.stepped?.({ align: 1 }) }]),
    empty,
    a,
  );
  const rate = new uPlot(
    opts([{ stroke: '#59a14f', fill: 'rgba(89,161,79,0.15)' }, { stroke: '#cf222e' }]),
    [[], [], []],
    b,
  );
  return {
    update(c) {
      const cw = (c.t1 - c.t0) / c.n;
      const xs = Array.from({ length: c.n }, (_, i) => (c.t0 + (i + 0.5) * cw) / 1e9);
      // Answers per second over a window of about 1/80 of the view (one column is too
      // short a time for a rate: it would show single answers as spikes).
      const w = Math.max(1, Math.round(c.n / 80));
      const perSecond = (counts: number[]) => {
        const out = new Array<number>(counts.length).fill(0);
        let sum = 0;
        for (let i = 0; i < counts.length; i++) {
          sum += counts[i]! - (i >= w ? counts[i - w]! : 0);
          out[i] = sum / ((Math.min(i + 1, w) * cw) / 1e9);
        }
        return out;
      };
      inflight.setData([xs, c.inflight]);
      rate.setData([xs, perSecond(c.answers), perSecond(c.failed)]);
      root.dataset.points = String(xs.length);
    },
  };
}
