import { ListTasksCommand } from '@aws-sdk/client-ecs';
import { ProviderError, UnavailableError } from '@taskport/core';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsImageRegistry, AwsTaskExecutor } from '../src/index.js';
import { FaultProxy } from './support/fault-proxy.js';
import { foreignImage } from './support/images.js';
import { type MotoEnvironment, motoClients, motoEndpoint, motoEnvironment } from './support/moto.js';

const N = 40;

describe('starts under injected throttling and lost responses (proxy in front of moto)', () => {
  let env: MotoEnvironment;
  let proxy: FaultProxy;
  afterEach(async () => {
    await proxy?.stop();
    await env?.cleanup();
  });

  const listAll = async (cluster: string) => {
    const direct = motoClients();
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await direct.ecs.send(new ListTasksCommand({ cluster, nextToken }));
      arns.push(...(page.taskArns ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return arns;
  };

  it(`${N} concurrent starts each produce exactly one task: none lost, none duplicated`, async () => {
    proxy = new FaultProxy({
      upstream: motoEndpoint(),
      operation: 'RunTask',
      throttleShare: 0.35,
      lostResponseShare: 0.15,
    });
    const endpoint = await proxy.start();
    env = await motoEnvironment(
      { retry: { baseDelayMs: 10, maxDelayMs: 200, maxAttempts: 30, budgetMs: 30_000 } },
      endpoint,
    );
    const executor = new AwsTaskExecutor(env.options, env.clients);
    const image = foreignImage();
    const started = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        executor.startTask('load@taskport.test', {
          command: ['echo', String(i)],
          image,
          env: {},
          secrets: {},
          labels: {},
          requestId: `req-load-${i}`,
          // Half with an idempotency key, half without: both must be safe to retry.
          ...(i % 2 === 0 ? { idempotencyKey: `load-${i}` } : {}),
        }),
      ),
    );
    executor.close();
    const ids = started.map((s) => s.executionId);
    expect(new Set(ids).size).toBe(N);
    const arns = await listAll(env.options.cluster);
    expect(arns.map((arn) => arn.split('/').pop()).sort()).toEqual([...ids].sort());
    // The faults really happened, and lost responses were retried into the same task (clientToken).
    expect(proxy.counts.throttled).toBeGreaterThan(0);
    expect(proxy.counts.lost).toBeGreaterThan(0);
    expect(env.clients.counter.count('ecs:RunTaskCommand')).toBeGreaterThan(N);
  });

  it('when throttling outlasts the retry budget, startTask fails with a retryable UnavailableError and starts nothing', async () => {
    proxy = new FaultProxy({
      upstream: motoEndpoint(),
      operation: 'RunTask',
      throttleShare: 1,
      lostResponseShare: 0,
    });
    const endpoint = await proxy.start();
    env = await motoEnvironment(
      { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 4, budgetMs: 2000 } },
      endpoint,
    );
    const executor = new AwsTaskExecutor(env.options, env.clients);
    const error = await executor
      .startTask('load@taskport.test', {
        command: 'true',
        image: foreignImage(),
        env: {},
        secrets: {},
        labels: {},
        requestId: 'req-x',
      })
      .catch((e) => e);
    expect(UnavailableError.isInstance(error)).toBe(true);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('Rate exceeded');
    expect(proxy.counts.throttled).toBe(4);
    expect(await listAll(env.options.cluster)).toEqual([]);
  });

  it('an HTML error page from a proxy is retried, then fails as a ProviderError naming service, operation and HTTP status', async () => {
    proxy = new FaultProxy({
      upstream: motoEndpoint(),
      operation: 'RunTask',
      throttleShare: 0,
      lostResponseShare: 0,
      htmlShare: 1,
      htmlStatus: 502,
    });
    const endpoint = await proxy.start();
    env = await motoEnvironment(
      { retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3, budgetMs: 2000 } },
      endpoint,
    );
    const executor = new AwsTaskExecutor(env.options, env.clients);
    const error = await executor
      .startTask('load@taskport.test', {
        command: 'true',
        image: foreignImage(),
        env: { TOKEN_LIKE: 'not-in-the-message' },
        secrets: {},
        labels: {},
        requestId: 'req-html',
      })
      .catch((e) => e);
    executor.close();
    expect(ProviderError.isInstance(error), String(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /^\[aws\] TaskExecutor\.startTask: ECS RunTask answered HTTP 502 with a body that is not AWS JSON \(text\/html; charset=utf-8[^)]*\)/,
    );
    expect(error.message).toContain('aws.endpoint');
    expect(error.message).not.toMatch(/SyntaxError|Unexpected token|not-in-the-message/);
    expect(error.cause?.name).toBe('SyntaxError');
    // The normal retry budget was spent on it (a gateway error may pass), and nothing started.
    expect(proxy.counts.html).toBe(3);
    expect(await listAll(env.options.cluster)).toEqual([]);
  });

  it('an HTML page with HTTP 200 (a captive portal) is not retried', async () => {
    proxy = new FaultProxy({
      upstream: motoEndpoint(),
      operation: 'GetItem',
      throttleShare: 0,
      lostResponseShare: 0,
      htmlShare: 1,
      htmlStatus: 200,
    });
    const endpoint = await proxy.start();
    env = await motoEnvironment({ retry: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } }, endpoint);
    const error = await new AwsImageRegistry(env.options, env.clients)
      .getImage('alpine:3.20-0123abcd', { withDefaultFlag: false })
      .catch((e) => e);
    expect(ProviderError.isInstance(error), String(error)).toBe(true);
    expect(error.message).toContain(
      '[aws] ImageRegistry.getImage: DynamoDB GetItem answered HTTP 200 with a body that is not AWS JSON (text/html',
    );
    expect(proxy.counts.html).toBe(1);
  });
});
