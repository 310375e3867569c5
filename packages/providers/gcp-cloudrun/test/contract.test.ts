import {
  describeBackendObservabilityContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
} from '@taskport/contract-tests';
import {
  CloudLoggingBackendLogger,
  CloudLoggingBackendObservability,
  CloudLoggingLogAggregator,
  CloudRunImageRegistry,
  CloudRunTaskExecutor,
} from '../src/index.js';
import {
  CloudRunDriver,
  countedClients,
  fakeOptions,
  foreignImage,
  secretReference,
  unknownExecutionId,
} from './support/fake.js';

/*
 * Every contract suite of the four ports, over the wire: the real Google clients (JobsClient,
 * ExecutionsClient, TasksClient, LoggingServiceV2Client) against the gRPC fake built from the shipped
 * protos, started once for the run by globalSetup. Each fixture gets its own project, so no test sees
 * another's jobs, executions or log entries.
 */

const driver = new CloudRunDriver();

describeTaskExecutorContract({
  name: 'gcp-cloudrun (fake)',
  driver,
  disable: {
    'killTask with a grace period lets a task that handles SIGTERM run until the grace ends, then kills it':
      'a Cloud Run cancel takes no grace period (capabilities.stopGracePeriod = false); the refusal is tested',
  },
  waitTimeoutMs: 15_000,
  create: async () => {
    const options = fakeOptions();
    const { clients, calls } = countedClients(options);
    const executor = new CloudRunTaskExecutor(options, clients);
    const logs = new CloudLoggingLogAggregator(options);
    return {
      executor,
      image: foreignImage(),
      logs,
      providerCalls: calls,
      unknownExecutionId: () => unknownExecutionId(options),
      // Secret Manager references become secretKeyRef env; the fake's runtime resolves them as Cloud Run does.
      secretReference: (value) => secretReference(options, value),
      cleanup: async () => {
        await Promise.all([executor.close(), logs.close(), clients.close()]);
      },
    };
  },
});

describeLogAggregatorContract({
  name: 'gcp-cloudrun (fake)',
  driver,
  waitTimeoutMs: 15_000,
  create: async () => {
    // Pages of 7 entries, so the longer streams cross pages.
    const options = fakeOptions({ logPageSize: 7 });
    const { clients, calls } = countedClients(options);
    const executor = new CloudRunTaskExecutor(options);
    const logs = new CloudLoggingLogAggregator(options, clients);
    return {
      logs,
      executor,
      image: foreignImage(),
      providerCalls: calls,
      unknownExecutionId: () => unknownExecutionId(options),
      cleanup: async () => {
        await Promise.all([executor.close(), logs.close(), clients.close()]);
      },
    };
  },
});

describeImageRegistryContract({
  name: 'gcp-cloudrun (fake)',
  create: async () => {
    const options = fakeOptions();
    const { clients, calls } = countedClients(options);
    const registry = new CloudRunImageRegistry(options, clients);
    return { registry, providerCalls: calls, cleanup: () => clients.close() };
  },
});

describeBackendObservabilityContract({
  name: 'gcp-cloudrun (fake)',
  waitTimeoutMs: 10_000,
  create: async () => {
    const options = fakeOptions();
    const { clients, calls } = countedClients(options);
    const logger = new CloudLoggingBackendLogger(options, undefined, { flushIntervalMs: 50 });
    const observability = new CloudLoggingBackendObservability(options, clients);
    return {
      observability,
      providerCalls: calls,
      // What the Service does: log through the backend logger, which writes the lines with WriteLogEntries.
      emit: async (entry) => {
        logger.log(entry);
        await logger.flush();
      },
      cleanup: async () => {
        await Promise.all([logger.close(), clients.close()]);
      },
    };
  },
});
