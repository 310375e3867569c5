import type { ProviderPackage } from '@taskport/core';
import { CloudLoggingBackendLogger } from './cloud-logging-backend-logger.js';
import { CloudLoggingBackendObservability } from './cloud-logging-backend-observability.js';
import { CloudLoggingLogAggregator } from './cloud-logging-log-aggregator.js';
import { CloudRunImageRegistry } from './cloud-run-image-registry.js';
import { CloudRunTaskExecutor } from './cloud-run-task-executor.js';
import { type GcpOptions, gcpOptionEnv, gcpOptionsSchema } from './gcp-options.js';

/**
 * The Google Cloud provider as the composition root loads it: one plain factory per port (each adapter
 * builds the Google clients it uses on first call, and closes them in `close()`), and the backend logger
 * that writes the Service's lines to Cloud Logging for `taskport trace`. There is no ExecutionStore here:
 * a GCP deployment keeps its history in another provider's store (docs/providers/gcp-cloudrun.md).
 */
export const taskportProvider: ProviderPackage<GcpOptions> = {
  name: 'gcp-cloudrun',
  optionsSchema: gcpOptionsSchema as ProviderPackage<GcpOptions>['optionsSchema'],
  optionEnv: gcpOptionEnv,
  factories: {
    taskExecutor: (options) => new CloudRunTaskExecutor(options),
    imageRegistry: (options) => new CloudRunImageRegistry(options),
    logAggregator: (options) => new CloudLoggingLogAggregator(options),
    backendObservability: (options) => new CloudLoggingBackendObservability(options),
  },
  backendLogger: (options) => new CloudLoggingBackendLogger(options),
};
