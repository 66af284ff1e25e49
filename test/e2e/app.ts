// What a person does in the app, in the words of its screens; shared by the browser tests.
import type { Page } from 'playwright-core';

export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto('/');
  await page.waitForURL('**/login');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

export async function seeFlows(page: Page, names: string[]): Promise<void> {
  await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
  for (const name of names) await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

export const storedToken = (page: Page): Promise<string | null> =>
  page.evaluate(() => localStorage.getItem('kinflow.token'));

/** Signing in lands on Home, which says what needs attention. */
export async function seeHome(page: Page): Promise<void> {
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByRole('heading', { level: 1, name: 'Needs attention' }).waitFor();
}

/** Opens an area through the navigation, as a person would. */
export async function openArea(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1 }).first().waitFor();
}
