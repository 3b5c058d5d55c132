import type { Bar, Marker, TimelineView } from '../view-data.js';
import { fmtNs, fnColour } from './api.js';

const AXIS = 18;
const CONTROL = 18;
const PAD = 4;

/** What was drawn where, for clicks: bars by lane, markers by x. */
export interface Drawn {
  hit(x: number, y: number): { bar?: Bar; marker?: Marker } | undefined;
}

/**
 * Draw a timeline view on the canvas for the range [t0, t1) (which may differ from the
 * view's own range while a newer one is on its way: bars have absolute times, so panning
 * and zooming redraw at once). Detail views draw a bar per invocation, in its function's
 * colour, with failed answers red-capped, cancellations hatched, open ones faded, RpcLogs
 * as ticks and control messages as markers on the top lane; wide views draw per column
 * the invocations in flight and the failures.
 */
export function drawGantt(
  canvas: HTMLCanvasElement,
  view: TimelineView,
  t0: number,
  t1: number,
  fnIndex: (id: string) => number,
): Drawn {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const x = (t: number) => ((t - t0) / (t1 - t0)) * w;
  axis(g, w, t0, t1, x);
  g.fillStyle = '#f6f8fa';
  g.fillRect(0, AXIS, w, CONTROL);
  const top = AXIS + CONTROL + PAD;
  const area = h - top - PAD;
  if (view.detail) return drawDetail(g, view.detail, { x, top, area, w, fnIndex });
  drawColumns(g, view, x, top, area);
  canvas.dataset.bars = '0';
  return { hit: () => undefined };
}

function axis(
  g: CanvasRenderingContext2D,
  w: number,
  t0: number,
  t1: number,
  x: (t: number) => number,
): void {
  const span = t1 - t0;
  let step = 10 ** Math.floor(Math.log10(span / 8));
  if (span / step > 16) step *= 5;
  else if (span / step > 8) step *= 2;
  g.fillStyle = '#57606a';
  g.strokeStyle = '#eaeef2';
  g.font = '11px system-ui, sans-serif';
  for (let t = Math.ceil(t0 / step) * step; t < t1; t += step) {
    const px = x(t);
    g.beginPath();
    g.moveTo(px, AXIS);
    g.lineTo(px, 2000);
    g.stroke();
    if (px < w - 60) g.fillText(fmtNs(t), px + 2, 12);
  }
}

function drawDetail(
  g: CanvasRenderingContext2D,
  d: NonNullable<TimelineView['detail']>,
  o: { x: (t: number) => number; top: number; area: number; w: number; fnIndex: (id: string) => number },
): Drawn {
  const laneH = Math.max(2, Math.min(16, o.area / Math.max(1, d.lanes)));
  const barH = Math.max(1, laneH - (laneH > 4 ? 2 : 0));
  for (const b of d.bars) {
    const y = o.top + b.lane * laneH;
    const x0 = o.x(b.t0);
    const x1 = Math.max(x0 + 1, o.x(b.t1));
    g.globalAlpha = b.open ? 0.45 : 1;
    g.fillStyle = fnColour(o.fnIndex(b.functionId));
    g.fillRect(x0, y, x1 - x0, barH);
    g.globalAlpha = 1;
    if (b.status === 0) {
      g.fillStyle = '#cf222e';
      g.fillRect(Math.max(x0, x1 - 4), y, Math.min(4, x1 - x0), barH);
    }
    if (b.cancelled || b.status === 2) {
      g.strokeStyle = '#bc4c00';
      g.lineWidth = 1;
      g.strokeRect(x0 + 0.5, y + 0.5, x1 - x0 - 1, barH - 1);
    }
    if (laneH >= 6 && b.logs.length) {
      g.fillStyle = '#1f2328';
      for (const t of b.logs) g.fillRect(o.x(t), y + 1, 1, barH - 2);
    }
  }
  for (const m of d.markers) {
    const px = o.x(m.tNs);
    g.fillStyle = m.kind.startsWith('worker')
      ? '#8250df'
      : m.kind.startsWith('function')
        ? '#0969da'
        : '#57606a';
    g.beginPath();
    g.moveTo(px, AXIS + 3);
    g.lineTo(px + 4, AXIS + CONTROL / 2);
    g.lineTo(px, AXIS + CONTROL - 3);
    g.lineTo(px - 4, AXIS + CONTROL / 2);
    g.fill();
  }
  const canvas = g.canvas as HTMLCanvasElement;
  // Where the longest bar is, for a test or a script that wants to click one.
  const longest = d.bars.reduce<Bar | undefined>(
    (a, b) => (!a || b.t1 - b.t0 > a.t1 - a.t0 ? b : a),
    undefined,
  );
  if (longest) {
    const cx = (Math.max(0, o.x(longest.t0)) + Math.min(o.w, o.x(longest.t1))) / 2;
    canvas.dataset.sample = JSON.stringify({
      id: longest.id,
      x: cx,
      y: o.top + longest.lane * laneH + barH / 2,
    });
  }
  canvas.dataset.bars = String(d.bars.length);
  canvas.dataset.lanes = String(d.lanes);
  canvas.dataset.markers = String(d.markers.length);
  return {
    hit(hx, hy) {
      if (hy >= AXIS && hy < AXIS + CONTROL) {
        let best: Marker | undefined;
        for (const m of d.markers)
          if (
            Math.abs(o.x(m.tNs) - hx) <= 5 &&
            (!best || Math.abs(o.x(m.tNs) - hx) < Math.abs(o.x(best.tNs) - hx))
          )
            best = m;
        return best && { marker: best };
      }
      const lane = Math.floor((hy - o.top) / laneH);
      const bar = d.bars.find(
        (b) => b.lane === lane && o.x(b.t0) - 2 <= hx && hx <= Math.max(o.x(b.t0) + 3, o.x(b.t1)) + 2,
      );
      return bar && { bar };
    },
  };
}

function drawColumns(
  g: CanvasRenderingContext2D,
  view: TimelineView,
  x: (t: number) => number,
  top: number,
  area: number,
): void {
  const c = view.columns;
  const cw = (c.t1 - c.t0) / c.n;
  const peak = Math.max(1, ...c.inflight);
  for (let i = 0; i < c.n; i++) {
    const x0 = x(c.t0 + i * cw);
    const x1 = Math.max(x0 + 1, x(c.t0 + (i + 1) * cw));
    const hgt = (c.inflight[i]! / peak) * area;
    g.fillStyle = '#4e79a7';
    g.fillRect(x0, top + area - hgt, x1 - x0, hgt);
    if (c.failed[i]! > 0) {
      g.fillStyle = '#cf222e';
      g.fillRect(x0, top + area - 4, Math.max(2, x1 - x0), 4);
    }
    if (c.control[i]! > 0) {
      g.fillStyle = '#57606a';
      g.fillRect(x0, AXIS + 4, Math.max(1, x1 - x0), CONTROL - 8);
    }
  }
  g.fillStyle = '#57606a';
  g.font = '11px system-ui, sans-serif';
  g.fillText(
    `${view.frames} messages: zoom in to see each invocation (in flight per column, peak ${peak})`,
    6,
    top + 12,
  );
}
