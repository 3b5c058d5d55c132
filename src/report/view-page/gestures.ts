/** A time range [t0, t1) in ns. */
export interface Range {
  t0: number;
  t1: number;
}

/** The range zoomed by a wheel step around the point at `fraction` of its width (never below 1 µs, never before 0). */
export function zoomAt(r: Range, fraction: number, deltaY: number): Range {
  const at = r.t0 + fraction * (r.t1 - r.t0);
  const k = Math.exp(Math.sign(deltaY) * Math.min(0.5, Math.abs(deltaY) / 300));
  const span = Math.max(1000, (r.t1 - r.t0) * k);
  const t0 = Math.max(0, at - (at - r.t0) * (span / (r.t1 - r.t0)));
  return { t0, t1: t0 + span };
}

/**
 * Wheel zoom around the pointer, drag to pan, double-click for `full()`, and a click
 * (a press without a move) reported at canvas coordinates. Listeners end with `signal`.
 */
export function attachGestures(
  canvas: HTMLCanvasElement,
  o: {
    range: () => Range;
    set: (r: Range) => void;
    full: () => Range;
    click: (x: number, y: number) => void;
    signal: AbortSignal;
  },
): void {
  const opts = { signal: o.signal };
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      o.set(zoomAt(o.range(), e.offsetX / canvas.clientWidth, e.deltaY));
    },
    { passive: false, signal: o.signal },
  );
  let drag: { x: number; from: Range; moved: boolean } | undefined;
  canvas.addEventListener(
    'mousedown',
    (e) => {
      drag = { x: e.clientX, from: o.range(), moved: false };
      canvas.classList.add('drag');
    },
    opts,
  );
  window.addEventListener(
    'mousemove',
    (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 2) drag.moved = true;
      const span = drag.from.t1 - drag.from.t0;
      const t0 = Math.max(0, drag.from.t0 - (dx / canvas.clientWidth) * span);
      o.set({ t0, t1: t0 + span });
    },
    opts,
  );
  window.addEventListener(
    'mouseup',
    (e) => {
      if (!drag) return;
      const click = !drag.moved;
      drag = undefined;
      canvas.classList.remove('drag');
      const r = canvas.getBoundingClientRect();
      if (click) o.click(e.clientX - r.left, e.clientY - r.top);
    },
    opts,
  );
  canvas.addEventListener('dblclick', () => o.set(o.full()), opts);
}
