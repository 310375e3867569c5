import { randomBytes } from 'node:crypto';
import {
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
} from '@taskport/contract-tests';
import { beforeAll, expect } from 'vitest';
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

const unknownTaskId = () => randomBytes(16).toString('hex');

/** Events per GetLogEvents page in the task-log fixtures. */
const SMALL_PAGE = 7;

/**
 * A log reader whose GetLogEvents pages hold at most `SMALL_PAGE` events, so that streams of more than
 * 7 lines cross pages (the 100-line stream-vs-fetch test reads 15). CloudWatch itself ends a page early
 * once it holds 1 MB, whatever the `limit`; the adapter has no page-size option (it always asks for
 * 10,000), so the cap is applied to its requests on the way out.
 */
function smallPageLogs(env: MotoEnvironment): CloudWatchLogAggregator {
  const clients = motoClients();
  clients.logs.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName !== 'GetLogEventsCommand') return next(args);
      const input = args.input as { limit?: number };
      return next({ ...args, input: { ...input, limit: Math.min(input.limit ?? SMALL_PAGE, SMALL_PAGE) } });
    },
    { step: 'initialize', name: 'taskportSmallLogPages' },
  );
  return new CloudWatchLogAggregator(env.options, clients);
}

describeTaskExecutorContract({
  name: 'aws (moto)',
  driver: {
    play: (id, behaviour) => driver.play(id, behaviour),
    // moto carries out StopTask at once (the launcher adds stopCode/stoppedAt): nothing to settle.
    settle: async () => {},
  },
  waitTimeoutMs: 15_000,
  create: async () => {
    const executor = new AwsTaskExecutor(shared.options, shared.clients);
    return {
      executor,
      image: foreignImage(),
      logs: smallPageLogs(shared),
      unknownExecutionId: unknownTaskId,
      // The driver resolves task-definition secrets from moto's Secrets Manager, as the ECS agent would.
      secretReference: (value) => createSecret(value),
      cleanup: async () => executor.close(),
    };
  },
});

describeLogAggregatorContract({
  name: 'aws (moto)',
  driver: { play: (id, behaviour) => driver.play(id, behaviour), settle: async () => {} },
  waitTimeoutMs: 15_000,
  create: async () => {
    const executor = new AwsTaskExecutor(shared.options, shared.clients);
    return {
      logs: smallPageLogs(shared),
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
    return { registry: new AwsImageRegistry(env.options, env.clients), cleanup: env.cleanup };
  },
});

describeExecutionStoreContract({
  name: 'aws (moto)',
  create: async () => {
    const env = await motoEnvironment();
    return { store: new DynamoDbExecutionStore(env.options, env.clients), cleanup: env.cleanup };
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
