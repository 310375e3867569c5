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
  waitTimeoutMs: 15_000,
  create: async () => {
    const options = fakeOptions();
    const executor = new CloudRunTaskExecutor(options);
    const logs = new CloudLoggingLogAggregator(options);
    return {
      executor,
      image: foreignImage(),
      logs,
      unknownExecutionId: () => unknownExecutionId(options),
      // Secret Manager references become secretKeyRef env; the fake's runtime resolves them as Cloud Run does.
      secretReference: (value) => secretReference(options, value),
      cleanup: async () => {
        await executor.close();
        await logs.close();
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
    const executor = new CloudRunTaskExecutor(options);
    const logs = new CloudLoggingLogAggregator(options);
    return {
      logs,
      executor,
      image: foreignImage(),
      unknownExecutionId: () => unknownExecutionId(options),
      cleanup: async () => {
        await executor.close();
        await logs.close();
      },
    };
  },
});

describeImageRegistryContract({
  name: 'gcp-cloudrun (fake)',
  create: async () => {
    const registry = new CloudRunImageRegistry(fakeOptions());
    return { registry, cleanup: () => registry.close() };
  },
});

describeBackendObservabilityContract({
  name: 'gcp-cloudrun (fake)',
  waitTimeoutMs: 10_000,
  create: async () => {
    const options = fakeOptions();
    const logger = new CloudLoggingBackendLogger(options, undefined, { flushIntervalMs: 50 });
    const observability = new CloudLoggingBackendObservability(options);
    return {
      observability,
      // What the Service does: log through the backend logger, which writes the lines with WriteLogEntries.
      emit: async (entry) => {
        logger.log(entry);
        await logger.flush();
      },
      cleanup: async () => {
        await logger.close();
        await observability.close();
      },
    };
  },
});
