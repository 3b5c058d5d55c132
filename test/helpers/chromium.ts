import type { BrowserContext } from 'playwright-core';

/** Debian's chromium (scripts/install-test-deps.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium with a fresh profile in `profileDir` (launchPersistentContext is how
 * playwright takes a user-data-dir), offline-minded: no background networking, no updates.
 */
export async function launchChromium(
  profileDir: string,
  width = 1400,
  height = 1000,
): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width, height },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
