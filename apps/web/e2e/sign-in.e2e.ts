import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, keys, launchBrowser, newPage, signIn } from './support/browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('sign-in', () => {
  it('signs in with a key, shows who and which role, keeps the key out of the URL, and signs out', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin);
    expect(await page.getByTestId('who-email').textContent()).toBe('admin@example.com');
    expect(await page.getByTestId('who-role').textContent()).toBe('admin');
    expect(page.url()).not.toContain(keys().admin);
    expect(await page.evaluate(() => sessionStorage.getItem('taskport.apiKey'))).toBe(keys().admin);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    // A reload in the same tab stays signed in (session storage), without asking again.
    await page.reload();
    await page.getByTestId('who-email').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('taskport.apiKey'))).toBeNull();
    await context.close();
  });

  it('shows the API message and request id for a wrong key', async () => {
    const { context, page } = await newPage(browser);
    await page.goto('/');
    await page.getByLabel('API key').fill('tp_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByTestId('api-error');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/UNAUTHORIZED/);
    expect(text).toMatch(/HTTP 401/);
    expect(text).toMatch(/request\s+\S+/);
    await context.close();
  });

  it('a revoked key returns to sign-in with the reason', async () => {
    const admin = keys().admin;
    const email = `revoked-${Date.now()}@example.com`;
    const issued = await api<{ apiKey: string; keyId: string }>('POST', '/users', admin, {
      email,
      role: 'viewer',
    });
    const { context, page } = await newPage(browser);
    await signIn(page, issued.apiKey);
    await api(
      'DELETE',
      `/users/${encodeURIComponent(email)}/keys/${encodeURIComponent(issued.keyId)}`,
      admin,
    );
    // The executions list reads again within seconds; the 401 it gets ends the session.
    await page.getByTestId('sign-in-notice').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('sign-in-notice').textContent()).toMatch(/Signed out/);
    expect(await page.evaluate(() => sessionStorage.getItem('taskport.apiKey'))).toBeNull();
    await context.close();
  });
});
