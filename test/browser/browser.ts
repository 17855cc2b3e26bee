import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AdminService } from '@heyblue/iam';
import type { TestApp } from '../support/app.js';
import { devEmail, randomPhone, readOtp } from '../support/given.js';
import { eventually } from '../support/poll.js';

/** Debian's chromium (ENVIRONMENT.md): no browser download works here. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-output', 'admin');

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A full-page screenshot under test-output/admin/ for a person to look at. */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Signs in through the dashboard like a person: the sign-in button, the dev provider's login
 * (and consent) pages, back to /admin/callback; every dashboard sign-in then asks for the
 * phone number and the SMS code (read from the dev SMS outbox) — the account's verified
 * number (`phone`) once it has one. `admin` pre-authorises the login's e-mail as
 * `admin:create` does. Resolves once the app has left /admin/callback.
 */
export async function signInInBrowser(
  page: Page,
  t: TestApp,
  login: string,
  opts: { admin: boolean; shots?: string; phone?: string },
): Promise<string> {
  if (opts.admin) await t.app.get(AdminService).preauthorizeAdmin(devEmail(login));
  await page.goto(`${t.url}/admin/`);
  const signInButton = page.getByRole('button', { name: /^Sign in with/ }).first();
  const alert = page.getByRole('alert').first();
  await signInButton
    .or(alert)
    .waitFor()
    .catch(async (err: Error) => {
      await snap(page, 'failed-sign-in-page').catch(() => undefined);
      throw err;
    });
  if (await alert.isVisible()) throw new Error(`sign-in page shows an error: ${await alert.textContent()}`);
  await signInButton.click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('anything');
  if (opts.shots) await snap(page, `${opts.shots}-provider-login`);
  await page.locator('button[type="submit"]').click();
  // The provider may ask for consent; then it redirects to /admin/callback.
  await page.waitForURL((url) => url.pathname.startsWith('/admin') || url.pathname.includes('/interaction/'));
  if (new URL(page.url()).pathname.includes('/interaction/'))
    await page.locator('button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname.startsWith('/admin'));
  const phoneStep = page.getByLabel(/Mobile number/);
  const left = page.waitForURL((url) => url.pathname !== '/admin/callback');
  if ((await Promise.race([phoneStep.waitFor().then(() => 'phone'), left.then(() => 'done')])) === 'done')
    throw new Error('the dashboard signed in without the phone step');
  const phone = opts.phone ?? randomPhone();
  await phoneStep.fill(phone);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('Code').waitFor();
  const code = await eventually(() => readOtp(t, phone), Boolean, { what: `SMS to ${phone}` });
  await page.getByLabel('Code').fill(code);
  if (opts.shots) await snap(page, `${opts.shots}-phone-code`);
  await page.getByRole('button', { name: 'Verify' }).click();
  await left;
  return phone;
}
