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

const COLOURED =
  "printf '\\033[31mred line\\033[0m\\n'; sleep 2; printf '\\033[1;32mgreen bold\\033[0m\\n'; " +
  "echo 'to stderr' >&2; sleep 1; printf '\\033[34mblue last\\033[0m\\n'; exit 3";

describe('run and watch', () => {
  it('runs a command from the form, shows its lines live in colour, then FAILED with exit 3', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().operator);
    await page.getByTestId('run-button').click();
    await page.getByLabel('Command', { exact: true }).fill(COLOURED);
    await page.getByLabel('Labels').fill('suite=e2e, case=coloured');
    await page.getByRole('button', { name: 'Add a secret' }).click();
    await page.getByLabel('Name', { exact: true }).fill('API_TOKEN');
    await page.getByLabel('Value', { exact: true }).fill('s3cr3t-value-never-shown');
    await page.getByTestId('run-submit').click();

    // It lands on the execution's live view.
    await page.waitForURL(/\/executions\/[^/]+$/);
    const id = decodeURIComponent(page.url().split('/').pop() ?? '');
    const log = page.getByTestId('log-view');

    // The first line arrives while the task is still running: the log is live, not read at the end.
    await log.getByText('red line').waitFor({ timeout: 20_000 });
    expect(await log.getByText('blue last').count()).toBe(0);
    const record = await api<{ status: string }>('GET', `/executions/${id}`, keys().operator);
    expect(['STARTING', 'RUNNING']).toContain(record.status);

    await page.getByTestId('status').getByText('FAILED').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('exit-code').textContent()).toBe('exit 3');
    await log.getByText('blue last').waitFor();

    // ANSI colours are rendered, and stderr is told apart from stdout.
    const red = log.locator('.line', { hasText: 'red line' }).locator('span.fg1');
    expect(await red.textContent()).toBe('red line');
    const green = log.locator('.line', { hasText: 'green bold' }).locator('span.fg2.b');
    expect(await green.count()).toBe(1);
    expect(await green.evaluate((el) => getComputedStyle(el).fontWeight)).toBe('700');
    expect(await log.locator('.line', { hasText: 'to stderr' }).getAttribute('data-stream')).toBe('stderr');
    expect(await log.locator('.line', { hasText: 'red line' }).getAttribute('data-stream')).toBe('stdout');
    expect(await log.locator('.line').count()).toBe(4);
    // No escape sequence leaks into the text.
    expect(await log.textContent()).not.toContain('\u001b');

    // The details: argv, request id linked to its trace, labels.
    expect(await page.locator('.argv li').first().textContent()).toBe('/bin/sh');
    const traceLink = page.getByTestId('trace-link');
    expect(await traceLink.getAttribute('href')).toMatch(/^\/trace\//);

    // The secret value went to the task and nowhere on the page or in the record.
    expect(await page.content()).not.toContain('s3cr3t-value-never-shown');
    expect(JSON.stringify(await api('GET', `/executions/${id}`, keys().operator))).not.toContain('s3cr3t');

    // Search finds the line and says how many matches there are.
    await page.getByLabel('Search the log').fill('GREEN');
    expect(await page.getByTestId('search-count').textContent()).toContain('1 of 1');
    expect(await log.locator('mark').textContent()).toBe('green');

    // Download has the full log as plain text.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('download-button').click(),
    ]);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/stdout red line/);
    expect(text).toMatch(/stderr to stderr/);
    expect(text).not.toContain('\u001b');

    // The trace of the run request lists the execution it created.
    await traceLink.click();
    await page.getByRole('heading', { name: 'Trace a request' }).waitFor();
    await page.locator(`tr[data-execution-id="${id}"]`).waitFor();
    await context.close();
  });

  it('runs in the working directory given in the form, and refuses a relative one before sending', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().operator);
    await page.getByTestId('run-button').click();
    await page.getByLabel('Command', { exact: true }).fill('pwd');
    await page.getByLabel('Working directory').fill('usr');
    await page.getByTestId('run-submit').click();
    await page.getByText('The working directory must be an absolute path').waitFor();
    expect(page.url()).not.toMatch(/\/executions\//);

    await page.getByLabel('Working directory').fill('/usr');
    await page.getByTestId('run-submit').click();
    await page.waitForURL(/\/executions\/[^/]+$/);
    await page.getByTestId('status').getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    await page.getByTestId('log-view').getByText('/usr', { exact: true }).waitFor();
    expect(await page.locator('dd', { hasText: /^\/usr$/ }).count()).toBe(1);
    await context.close();
  });

  it('kills a running task after a confirmation and shows STOPPED', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin);
    const { execution } = await api<{ execution: { executionId: string } }>('POST', '/run', keys().admin, {
      command: 'echo started; exec sleep 120',
      labels: { suite: 'e2e', case: 'kill' },
    });
    await page.goto(`/executions/${encodeURIComponent(execution.executionId)}`);
    await page.getByTestId('log-view').getByText('started').waitFor({ timeout: 20_000 });
    // The page refreshes the status on its own (every 2 s); the first line can arrive before that.
    await page.getByTestId('status').getByText('RUNNING').waitFor({ timeout: 20_000 });

    // Cancel first: nothing happens.
    await page.getByTestId('kill-button').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').isVisible()).toBe(false);
    expect(await page.getByTestId('status').textContent()).toBe('RUNNING');

    await page.getByTestId('kill-button').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Kill' }).click();
    await page.getByTestId('status').getByText('STOPPED').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('kill-button').count()).toBe(0);
    // The log stream ends on its own schedule (the task's last lines, then the end event), which
    // can come a moment after the status poll shows STOPPED: wait for it rather than read it once.
    await page.getByTestId('stream-state').getByText('complete').waitFor({ timeout: 20_000 });
    await context.close();
  });

  it('lists executions with live status and filters them by status and label', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin);
    const { execution } = await api<{ execution: { executionId: string } }>('POST', '/run', keys().admin, {
      command: 'sleep 2; exit 0',
      labels: { suite: 'e2e', case: 'list' },
    });
    const row = page.locator(`tr[data-execution-id="${execution.executionId}"]`);
    await row.waitFor({ timeout: 10_000 });
    // The row moves to SUCCEEDED without a reload.
    await row.getByText('SUCCEEDED').waitFor({ timeout: 20_000 });
    expect(await row.getByTestId('exit-cell').textContent()).toBe('0');
    expect(await row.textContent()).toContain('admin@example.com');
    expect(await row.textContent()).toContain('case=list');

    await page.getByLabel('Labels').fill('case=list');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/label=case%3Dlist/);
    await row.waitFor();
    const labels = await page.locator('tbody tr').allTextContents();
    expect(labels.every((text) => text.includes('case=list'))).toBe(true);

    // By user: only the operator's run, not the admin's.
    const theirs = await api<{ execution: { executionId: string } }>('POST', '/run', keys().operator, {
      command: 'true',
      labels: { suite: 'e2e', case: 'list' },
    });
    await page.getByLabel('User').fill('operator@example.com');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/user=operator%40example.com/);
    await page.locator(`tr[data-execution-id="${theirs.execution.executionId}"]`).waitFor();
    expect(await row.count()).toBe(0);
    const who = await page.locator('tbody tr td:nth-child(5)').allTextContents();
    expect(who.length).toBeGreaterThan(0);
    expect(who.every((text) => text === 'operator@example.com')).toBe(true);
    await page.getByLabel('User').fill('');

    await page.getByRole('checkbox', { name: 'failed' }).check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=FAILED/);
    await page.getByText('No execution matches these filters.').waitFor();
    await context.close();
  });
});

describe('a dropped connection', () => {
  it('resumes the live log with Last-Event-ID: no gap, no duplicate', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin);
    const { execution } = await api<{ execution: { executionId: string } }>('POST', '/run', keys().admin, {
      command: 'for i in $(seq 1 40); do echo "tick $i"; sleep 0.1; done',
      labels: { suite: 'e2e', case: 'resume' },
    });

    // The first stream is cut by the network after five events and half of the sixth: the browser gets
    // the real server's bytes up to there, then the connection ends without `event: end`.
    let cutAfterId = '';
    const resumedWith: string[] = [];
    await page.route(/\/api\/v1\/executions\/[^/]+\/logs$/, async (route) => {
      const request = route.request();
      const headers = await request.allHeaders();
      if (!(headers.accept ?? '').includes('text/event-stream')) return route.continue();
      if (cutAfterId) {
        resumedWith.push(headers['last-event-id'] ?? '');
        return route.continue();
      }
      const controller = new AbortController();
      const upstream = await fetch(request.url(), { headers, signal: controller.signal });
      const reader = (upstream.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let text = '';
      while ((text.match(/\n\n/g) ?? []).length < 8) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      controller.abort();
      const events = text.split('\n\n');
      const logEvents = events.filter((e) => e.includes('event: log'));
      const keep = events.slice(0, events.indexOf(logEvents[4] as string) + 1).join('\n\n');
      cutAfterId = /^id: (.*)$/m.exec(logEvents[4] as string)?.[1] ?? '';
      const half = (logEvents[5] ?? '').slice(0, 30);
      await route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' },
        body: `${keep}\n\n${half}`,
      });
    });

    await page.goto(`/executions/${encodeURIComponent(execution.executionId)}`);
    const log = page.getByTestId('log-view');
    await page.getByTestId('stream-state').getByText('complete').waitFor({ timeout: 30_000 });
    expect(cutAfterId).toMatch(/\S/);
    expect(resumedWith[0]).toBe(cutAfterId);
    const rows = await log.locator('.line .text').allTextContents();
    expect(rows).toEqual(Array.from({ length: 40 }, (_, i) => `tick ${i + 1}`));
    await context.close();
  });
});
