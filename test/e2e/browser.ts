import fs from 'node:fs';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
} from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Playwright itself passes --headless, --no-sandbox, --no-first-run, --disable-background-networking,
// --disable-component-update and --disable-sync; repeating them would only double them on the command line.
const EXTRA_ARGS = ['--disable-gpu', '--disable-quic'];

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: EXTRA_ARGS });
}

/** A 390×844 phone held upright, touch first. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'en-US',
  colorScheme: 'light',
};

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught exceptions in the page; a test ends by expecting none. */
  errors: Error[];
}

export async function openPage(browser: Browser, baseURL: string, options = PHONE): Promise<OpenedPage> {
  const context = await browser.newContext({ ...options, baseURL });
  const page = await context.newPage();
  const errors: Error[] = [];
  page.on('pageerror', (error) => errors.push(error));
  return { context, page, errors };
}

export const pathname = (page: Page): string => new URL(page.url()).pathname;
