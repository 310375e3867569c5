import { randomBytes } from 'node:crypto';
import {
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
  type TaskBehaviour,
} from '@taskport/contract-tests';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  AwsImageRegistry,
  AwsTaskExecutor,
  CloudWatchBackendLogger,
  CloudWatchBackendObservability,
  CloudWatchLogAggregator,
  DynamoDbExecutionStore,
} from '../src/index.js';
import { foreignImage } from './support/images.js';
import {
  type CallCounter,
  createSecret,
  MotoDriver,
  type MotoEnvironment,
  motoClients,
  motoEnvironment,
} from './support/moto.js';

/*
 * Every contract suite against moto in server mode, through the real SDK clients. Executor and log tests
 * share one cluster and task log group per file (the driver plays the ECS runtime for them, and ids are
 * unique per task); every other fixture gets fresh tables and log groups.
 */

let shared: MotoEnvironment;
let driver: MotoDriver;
beforeAll(async () => {
  // The contract passes plain secret values: this deployment opts in to them (the default refuses them).
  shared = await motoEnvironment({ plainSecrets: 'unsafe-environment' });
  driver = new MotoDriver(shared.options);
});
afterAll(() => driver?.close());

/** The ECS runtime for every executor and log test (the same driver; tasks have unique ids). */
const ecsRuntime = {
  play: (id: string, behaviour: TaskBehaviour) => driver.play(id, behaviour),
  // moto records StopTask at once; the container still has to be stopped.
  settle: (id: string) => driver.settle(id),
  forget: (id: string) => driver.forget(id),
};

const unknownTaskId = () => randomBytes(16).toString('hex');

/** Events per GetLogEvents page in the task-log fixtures. */
const SMALL_PAGE = 7;

/**
 * A log reader whose GetLogEvents pages hold at most `SMALL_PAGE` events, so that streams of more than
 * 7 lines cross pages (the 100-line stream-vs-fetch test reads 15). CloudWatch itself ends a page early
 * once it holds 1 MB, whatever the `limit`; the adapter has no page-size option (it always asks for
 * 10,000), so the cap is applied to its requests on the way out.
 */
function smallPageLogs(env: MotoEnvironment): { logs: CloudWatchLogAggregator; counter: CallCounter } {
  const clients = motoClients();
  clients.logs.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName !== 'GetLogEventsCommand') return next(args);
      const input = args.input as { limit?: number };
      return next({ ...args, input: { ...input, limit: Math.min(input.limit ?? SMALL_PAGE, SMALL_PAGE) } });
    },
    { step: 'initialize', name: 'taskportSmallLogPages' },
  );
  return { logs: new CloudWatchLogAggregator(env.options, clients), counter: clients.counter };
}

describeTaskExecutorContract({
  name: 'aws (moto)',
  driver: ecsRuntime,
  disable: {
    'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it':
      'ECS StopTask takes no grace period: it is the stopTimeout of the task definition (capabilities.stopGracePeriod = false); the refusal is tested',
  },
  waitTimeoutMs: 15_000,
  create: async () => {
    const executor = new AwsTaskExecutor(shared.options, shared.clients);
    const { logs, counter } = smallPageLogs(shared);
    return {
      executor,
      image: foreignImage(),
      logs,
      providerCalls: () => shared.clients.counter.count() + counter.count(),
      unknownExecutionId: unknownTaskId,
      // The driver resolves task-definition secrets from moto's Secrets Manager, as the ECS agent would.
      secretReference: (value) => createSecret(value),
      cleanup: async () => executor.close(),
    };
  },
});

describeLogAggregatorContract({
  name: 'aws (moto)',
  driver: ecsRuntime,
  waitTimeoutMs: 15_000,
  create: async () => {
    const executor = new AwsTaskExecutor(shared.options, shared.clients);
    const { logs, counter } = smallPageLogs(shared);
    return {
      logs,
      providerCalls: () => shared.clients.counter.count() + counter.count(),
      executor,
      image: foreignImage(),
      unknownExecutionId: unknownTaskId,
      cleanup: async () => executor.close(),
    };
  },
});

describeImageRegistryContract({
  name: 'aws (moto)',
  create: async () => {
    const env = await motoEnvironment();
    return {
      registry: new AwsImageRegistry(env.options, env.clients),
      providerCalls: () => env.clients.counter.count(),
      cleanup: env.cleanup,
    };
  },
});

describeExecutionStoreContract({
  name: 'aws (moto)',
  create: async () => {
    const env = await motoEnvironment();
    return {
      store: new DynamoDbExecutionStore(env.options, env.clients),
      providerCalls: () => env.clients.counter.count(),
      cleanup: env.cleanup,
    };
  },
});

describeBackendObservabilityContract({
  name: 'aws (moto)',
  waitTimeoutMs: 10_000,
  create: async () => {
    const env = await motoEnvironment();
    // The logger a deployment writes with: batched PutLogEvents into its own stream of the backend group.
    const logger = new CloudWatchBackendLogger(env.options, env.clients, { minLevel: 'debug' });
    return {
      observability: new CloudWatchBackendObservability(env.options, env.clients),
      providerCalls: () => env.clients.counter.count(),
      emit: async (entry) => {
        logger.log(entry);
        await logger.flush();
        expect(logger.dropped).toBe(0);
      },
      cleanup: async () => {
        await logger.close();
        await env.cleanup();
      },
    };
  },
});
