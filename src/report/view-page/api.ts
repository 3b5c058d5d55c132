import type { ViewFilter } from '../view-data.js';

/** The access token, from the page's own URL (`?token=`). */
export const TOKEN = new URLSearchParams(location.search).get('token') ?? '';

/** A server URL with the token and the given parameters (undefined ones left out). */
export function apiUrl(path: string, params: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams({ token: TOKEN });
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  return `${path}?${q}`;
}

export async function getJson<T>(
  path: string,
  params: Record<string, string | number | undefined> = {},
  signal?: AbortSignal,
): Promise<T> {
  const res = await fetch(apiUrl(path, params), signal ? { signal } : {});
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** The filter as query parameters (the names parseViewFilter reads). */
export function filterParams(f: ViewFilter): Record<string, string | undefined> {
  return {
    kind: f.kinds?.join(','),
    fn: f.functions?.join(','),
    dir: f.direction,
    status: f.status,
    q: f.text,
  };
}

/** Create an element with attributes and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** `1.234 s`, `12.3 ms`, `45 µs` for a duration in ns. */
export function fmtNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (a >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e3).toFixed(0)} µs`;
}

export function fmtBytes(n: number): string {
  return n >= 1 << 20
    ? `${(n / (1 << 20)).toFixed(1)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} B`;
}

/** A colour per function, stable for a session (by the function's index in its list). */
export function fnColour(index: number): string {
  const palette = ['#4e79a7', '#59a14f', '#9c755f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#bab0ac'];
  return index >= 0 ? palette[index % palette.length]! : '#8c8c8c';
}
