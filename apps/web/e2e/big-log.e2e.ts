import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, keys, launchBrowser, newPage, signIn, writeArtifact } from './support/browser.js';

const LINES = 100_000;

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * The log view with 100,000 lines (every tenth coloured, every hundredth on stderr). Measured, not
 * timed: time to the first line on screen, time until every line is in, and the DOM nodes the log view
 * holds at the end, in the middle, and while following. The figures go to e2e-artifacts/big-log.json
 * and, by hand, to docs/benchmarks.md. The only assertions are on correctness and on the DOM bound.
 */
describe('a 100,000-line log', () => {
  it('shows all 100,000 lines once each, with a bounded DOM', async () => {
    const script =
      `awk 'BEGIN { for (i = 1; i <= ${LINES}; i++) { ` +
      `if (i % 100 == 0) print "line " i " on stderr" > "/dev/stderr"; ` +
      `else if (i % 10 == 0) printf "\\033[32mline %d in green\\033[0m\\n", i; ` +
      `else printf "line %d of the big log\\n", i } }'`;
    const { execution } = await api<{ execution: { executionId: string } }>('POST', '/run', keys().admin, {
      command: script,
      labels: { suite: 'e2e', case: 'big-log' },
    });
    const id = execution.executionId;
    await api('GET', `/executions/${encodeURIComponent(id)}/wait?timeoutSeconds=120`, keys().admin);

    const { context, page } = await newPage(browser);
    await signIn(page, keys().admin);
    const started = Date.now();
    await page.goto(`/executions/${encodeURIComponent(id)}`);
    await page.getByTestId('who-email').waitFor();
    const signedInMs = Date.now() - started;
    const log = page.getByTestId('log-view');
    await log.locator('.line').first().waitFor();
    const firstLineMs = Date.now() - started;
    const firstMark = await page.evaluate(() => {
      const mark = performance.getEntriesByName('taskport:first-log-line')[0] as PerformanceMark | undefined;
      return mark ? (mark.detail as number) : null;
    });

    await page.getByTestId('line-count').getByText(`${LINES} lines`).waitFor({ timeout: 120_000 });
    const allLinesMs = Date.now() - started;
    await page.getByTestId('stream-state').getByText('complete').waitFor({ timeout: 30_000 });

    const count = () =>
      page.evaluate(() => {
        const view = document.querySelector('[data-testid="log-view"]') as HTMLElement;
        return {
          logNodes: view.querySelectorAll('*').length,
          rows: view.querySelectorAll('.line').length,
          documentNodes: document.querySelectorAll('*').length,
        };
      });
    const atEnd = await count();
    // Following: the last row is on screen (its line number is rendered).
    await log.locator('.ln', { hasText: /^100000$/ }).waitFor();

    // Jump to the middle by scrolling; the rows there are rendered and the DOM stays the same size.
    await log.evaluate((el) => {
      el.scrollTop = el.scrollHeight / 2;
    });
    await log
      .getByText(/^line 500\d\d/)
      .first()
      .waitFor();
    const middle = await count();
    expect(await page.getByTestId('follow-button').getAttribute('aria-pressed')).toBe('false');

    // Search across every line.
    const searchStarted = Date.now();
    await page.getByLabel('Search the log').fill('on stderr');
    await page
      .getByTestId('search-count')
      .getByText(`1 of ${LINES / 100}`)
      .waitFor();
    const searchMs = Date.now() - searchStarted;
    await log.getByText('line 100 on stderr').waitFor();
    expect(await log.locator('.line', { hasText: 'line 100 on stderr' }).getAttribute('data-stream')).toBe(
      'stderr',
    );

    const heap = await page.evaluate(
      () =>
        (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null,
    );
    const figures = {
      measuredAt: new Date().toISOString(),
      chromium: browser.version(),
      lines: LINES,
      signedInMs,
      firstLineMs,
      firstLineMarkMs: firstMark,
      allLinesMs,
      searchMs,
      nodesAtEnd: atEnd,
      nodesInMiddle: middle,
      usedJsHeapMb: heap === null ? null : Math.round(heap / 1048576),
    };
    writeArtifact('big-log.json', figures);
    console.log(`big-log: ${JSON.stringify(figures)}`);

    expect(atEnd.rows).toBeLessThan(200);
    expect(middle.rows).toBeLessThan(200);
    expect(atEnd.logNodes).toBeLessThan(1500);
    expect(middle.logNodes).toBeLessThan(1500);
    await context.close();
  });
});
