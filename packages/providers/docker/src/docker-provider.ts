import type { ProviderPackage } from '@taskport/core';
import { DockerLogAggregator } from './docker-log-aggregator.js';
import { type DockerOptions, dockerOptionEnv, dockerOptionsSchema } from './docker-options.js';
import { DockerTaskExecutor } from './docker-task-executor.js';

/**
 * The docker provider as the composition root loads it (`providers: { taskExecutor: docker, logAggregator:
 * docker }`): TaskExecutor and LogAggregator on the engine; images, history and backend lines come from
 * another provider. The factories do no I/O: the engine is first contacted by the first call.
 */
export const taskportProvider: ProviderPackage<DockerOptions> = {
  name: 'docker',
  optionsSchema: dockerOptionsSchema as ProviderPackage<DockerOptions>['optionsSchema'],
  optionEnv: dockerOptionEnv,
  factories: {
    taskExecutor: (options) => new DockerTaskExecutor(options),
    logAggregator: (options) => new DockerLogAggregator(options),
  },
};
