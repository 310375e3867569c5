import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, api, captureView, keys, launchBrowser, newPage, signIn } from './support/browser.js';

let browser: Browser;
let finished: string;
let requestId: string;

beforeAll(async () => {
  browser = await launchBrowser();
  const run = await api<{ execution: { executionId: string }; requestId: string }>(
    'POST',
    '/run',
    keys().admin,
    {
      command:
        "for i in 1 2 3 4 5 6; do printf '\\033[3%sm colour %s\\033[0m plain\\n' $i $i; done; echo 'warning: on stderr' >&2; exit 3",
      labels: { suite: 'e2e', case: 'views' },
      timeoutSeconds: 300,
    },
  );
  finished = run.execution.executionId;
  requestId = run.requestId;
  await api('GET', `/executions/${encodeURIComponent(finished)}/wait?timeoutSeconds=20`, keys().admin);
});
afterAll(async () => {
  await browser?.close();
});

async function reloadKeepsView(page: Page, heading: string | RegExp) {
  await page.reload();
  await page.getByRole('heading', { name: heading }).first().waitFor();
}

describe('every view: deep links, accessibility, light and dark', () => {
  it('sign-in', async () => {
    const { context, page } = await newPage(browser);
    await page.goto('/');
    await page.getByLabel('API key').waitFor();
    await captureView(page, 'sign-in');
    await context.close();
  });

  it('executions list', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin, '/executions?label=case%3Dviews');
    await page.locator(`tr[data-execution-id="${finished}"]`).waitFor();
    await reloadKeepsView(page, 'Executions');
    await page.locator(`tr[data-execution-id="${finished}"]`).waitFor();
    expect(await page.getByLabel('Labels').inputValue()).toBe('case=views');
    await captureView(page, 'executions');
    await context.close();
  });

  it('one execution: a deep link reloads to the same view', async () => {
    const { context, page } = await newPage(browser);
    const path = `/executions/${encodeURIComponent(finished)}`;
    await signIn(page, keys().admin, path);
    await page.getByTestId('status').getByText('FAILED').waitFor();
    await page.getByTestId('log-view').getByText('warning: on stderr').waitFor();
    await reloadKeepsView(page, /^Execution/);
    expect(new URL(page.url()).pathname).toBe(path);
    await page.getByTestId('log-view').getByText('colour 6').waitFor();
    await captureView(page, 'execution');
    // The picture for the README (copied to docs/images/ by hand when the view changes): small, so
    // drawn at 0.75 device pixels per CSS pixel.
    const small = await browser.newContext({
      baseURL: page.url(),
      viewport: { width: 1100, height: 760 },
      deviceScaleFactor: 0.75,
    });
    const readme = await small.newPage();
    await readme.goto(page.url());
    await readme.evaluate((key) => sessionStorage.setItem('taskport.apiKey', key), keys().admin);
    await readme.reload();
    await readme.getByTestId('log-view').getByText('colour 6').waitFor();
    await readme.screenshot({ path: join(ARTIFACTS, 'readme-console.png') });
    await small.close();
    await context.close();
  });

  it('run form', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin, '/run');
    await page.getByRole('heading', { name: 'Run a command' }).waitFor();
    await page.getByRole('button', { name: 'Add a secret' }).click();
    await reloadKeepsView(page, 'Run a command');
    await captureView(page, 'run');
    await context.close();
  });

  it('images', async () => {
    const { context, page } = await newPage(browser);
    await api('POST', '/images', keys().admin, {
      image: 'python:3.12-slim',
      resources: { cpu: 512, memory: 1024 },
    });
    await signIn(page, keys().admin, '/images');
    await page.getByTestId('images-table').waitFor();
    await reloadKeepsView(page, 'Images');
    await captureView(page, 'images');
    await context.close();
  });

  it('trace', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin, `/trace/${encodeURIComponent(requestId)}`);
    await page.locator(`tr[data-execution-id="${finished}"]`).waitFor();
    await reloadKeepsView(page, 'Trace a request');
    await page.locator(`tr[data-execution-id="${finished}"]`).waitFor();
    await captureView(page, 'trace');
    await context.close();
  });

  it('an API error shows its message and request id', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin, '/executions/no-such-execution');
    const alert = page.getByTestId('api-error').first();
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/NOT_FOUND/);
    expect(await alert.locator('a code, code').first().textContent()).toMatch(/\S+/);
    await captureView(page, 'error');
    await context.close();
  });

  it('keyboard: skip link, tab order into the log, / focuses search, f toggles follow', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin, `/executions/${encodeURIComponent(finished)}`);
    await page.getByTestId('log-view').getByText('colour 1').waitFor();
    await page.reload();
    await page.getByTestId('log-view').getByText('colour 1').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('log-search');
    await page.keyboard.type('colour');
    expect(await page.getByTestId('search-count').textContent()).toContain('1 of 6');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('search-count').textContent()).toContain('2 of 6');
    await page.keyboard.press('Shift+Enter');
    expect(await page.getByTestId('search-count').textContent()).toContain('1 of 6');
    await page.getByTestId('log-view').focus();
    const before = await page.getByTestId('follow-button').getAttribute('aria-pressed');
    await page.keyboard.press('f');
    expect(await page.getByTestId('follow-button').getAttribute('aria-pressed')).not.toBe(before);
    await context.close();
  });
});

describe('a strict Content-Security-Policy', () => {
  const CSP =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  it('the console works with no inline script or style allowed', async () => {
    const { context, page } = await newPage(browser);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) violations.push(message.text());
    });
    // The documents get the policy a deployment would send (the server sends none of its own yet).
    await page.route('**/*', async (route) => {
      if (route.request().resourceType() !== 'document') return route.continue();
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
    });
    await signIn(page, keys().admin, `/executions/${encodeURIComponent(finished)}`);
    await page.getByTestId('log-view').getByText('colour 6').waitFor();
    const red = page.getByTestId('log-view').locator('span.fg1').first();
    expect(await red.evaluate((el) => getComputedStyle(el).color)).not.toBe(
      await page.getByTestId('log-view').evaluate((el) => getComputedStyle(el).color),
    );
    await page.goto('/images');
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    expect(violations).toEqual([]);
    await context.close();
  });
});
