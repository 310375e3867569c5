import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys, launchBrowser, newPage, signIn } from './support/browser.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('images', () => {
  it('registers an image with an ImageConfig, makes it the default and removes another after confirming', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().operator, '/images');
    await page.getByRole('heading', { name: 'Images' }).waitFor();

    const tag = `e2e-${Date.now()}`;
    const register = async (ref: string, cpu: string, memory: string) => {
      await page.getByLabel('Image reference').fill(ref);
      await page.getByLabel('CPU').fill(cpu);
      await page.getByLabel('Memory').fill(memory);
      await page.getByLabel('Platform').selectOption('linux/arm64');
      await page.getByLabel('Task role').fill('e2e-task-role');
      await page.getByRole('button', { name: 'Register' }).click();
      await page
        .getByRole('status')
        .getByText(/Registered/)
        .waitFor();
    };
    await register(`alpine:${tag}`, '512', '1024');
    await register(`busybox:${tag}`, '256', '512');

    const alpine = page.locator('tr', { hasText: `alpine:${tag}` });
    const busybox = page.locator('tr', { hasText: `busybox:${tag}` });
    expect(await alpine.textContent()).toContain('512');
    expect(await alpine.textContent()).toContain('1024 MiB');
    expect(await alpine.textContent()).toContain('linux/arm64');
    expect(await alpine.textContent()).toContain('e2e-task-role');

    // The first image registered becomes the default when there is none; making another one the
    // default moves the mark (exactly one default at a time).
    const defaults = page.getByTestId('default-badge');
    expect(await defaults.count()).toBe(1);
    await busybox.getByRole('button', { name: /Make default/ }).click();
    await busybox.getByTestId('default-badge').waitFor();
    expect(await defaults.count()).toBe(1);
    expect(await busybox.getByRole('button', { name: /Make default/ }).count()).toBe(0);
    await alpine.getByRole('button', { name: /Make default/ }).waitFor();

    await alpine.getByRole('button', { name: /Remove/ }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain(`alpine:${tag}`);
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await alpine.waitFor({ state: 'detached' });
    expect(await busybox.count()).toBe(1);

    // The Run form offers the registered images, the default marked.
    // The form loads the list after it renders: wait for the option rather than reading the
    // select at once (that read raced the request and failed on a loaded CI machine).
    await page.goto('/run');
    const option = page.getByLabel('Image').locator('option:not([value=""])', { hasText: `busybox:${tag}` });
    await option.waitFor({ state: 'attached' });
    expect(await option.textContent()).toContain('default');
    expect(await page.getByLabel('Image').locator('option[value=""]').textContent()).toContain(
      `busybox:${tag}`,
    );
    await context.close();
  });
});
