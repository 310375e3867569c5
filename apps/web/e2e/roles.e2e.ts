import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, keys, launchBrowser, newPage, signIn } from './support/browser.js';

let browser: Browser;
let adminRun: string;
// An image of its own, so the viewer's Images view has a row whose missing buttons mean something.
const imageRef = `alpine:roles-${Date.now()}`;
let imageId: string;
beforeAll(async () => {
  browser = await launchBrowser();
  ({ imageId } = await api<{ imageId: string }>('POST', '/images', keys().admin, { image: imageRef }));
  const { execution } = await api<{ execution: { executionId: string } }>('POST', '/run', keys().admin, {
    command: 'echo from admin; sleep 30',
    labels: { suite: 'e2e', case: 'roles' },
  });
  adminRun = execution.executionId;
});
afterAll(async () => {
  await api('DELETE', `/executions/${encodeURIComponent(adminRun)}`, keys().admin).catch(() => undefined);
  await api('DELETE', `/images/${encodeURIComponent(imageId)}`, keys().admin).catch(() => undefined);
  await browser?.close();
});

describe('what each role is offered', () => {
  it('a viewer sees no Run button, no Kill button and no image management', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().viewer);
    expect(await page.getByTestId('who-role').textContent()).toBe('viewer');
    await page.locator(`tr[data-execution-id="${adminRun}"]`).waitFor();
    expect(await page.getByTestId('run-button').count()).toBe(0);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Run' }).count(),
    ).toBe(0);
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trace' }).count(),
    ).toBe(0);

    await page.goto(`/executions/${encodeURIComponent(adminRun)}`);
    await page.getByTestId('log-view').getByText('from admin').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('kill-button').count()).toBe(0);

    await page.goto('/images');
    await page.getByRole('heading', { name: 'Images' }).waitFor();
    await page.locator('tr', { hasText: imageRef }).waitFor();
    expect(await page.getByTestId('register-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Make default|Remove/ }).count()).toBe(0);

    // The run form is not there even by its address.
    await page.goto('/run');
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await context.close();
  });

  it('a developer may run and kill its own executions only', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().developer);
    expect(await page.getByTestId('run-button').count()).toBe(1);
    const { execution } = await api<{ execution: { executionId: string } }>(
      'POST',
      '/run',
      keys().developer,
      {
        command: 'sleep 30',
      },
    );
    await page.goto(`/executions/${encodeURIComponent(execution.executionId)}`);
    await page.getByTestId('kill-button').waitFor();
    await page.getByTestId('kill-button').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kill' }).click();
    await page.getByTestId('status').getByText('STOPPED').waitFor({ timeout: 20_000 });

    // Someone else's execution is not visible to a developer at all: the API's 404/403 is shown.
    await page.goto(`/executions/${encodeURIComponent(adminRun)}`);
    await page.getByTestId('api-error').first().waitFor();
    expect(await page.getByTestId('kill-button').count()).toBe(0);
    await context.close();
  });
});
