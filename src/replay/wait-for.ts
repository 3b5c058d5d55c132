/** Wait for `p` or `ms` milliseconds, whichever comes first; never rejects on the timeout. */
export async function waitFor(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  if (timer) clearTimeout(timer);
}
