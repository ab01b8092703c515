import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's `chromium` package: playwright cannot download a browser of its own on these machines. */
export const chromiumPath = '/usr/bin/chromium';

/** Throws, saying how to install it, when Debian's Chromium is not there. */
export function assertChromiumInstalled(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
}

/**
 * Debian's Chromium, headless, for the browser tests and the first-paint measurement. Without the
 * background-networking flags it keeps trying to reach Google's hosts, which a closed network refuses;
 * `--no-sandbox` because CI runs as root. Fails loudly when the browser is not installed.
 *
 * @example
 * const browser = await launchHeadlessChromium();
 */
export async function launchHeadlessChromium(): Promise<Browser> {
  assertChromiumInstalled();
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
