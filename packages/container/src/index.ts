export { type Composition, composeContainer, type PortBinding } from './compose-container.js';
export { type CreateTaskportOptions, createTaskport, type Taskport } from './create-taskport.js';
export type {
  DeploymentConfig,
  PortChoice,
  ResolvedConfig,
  ResolvedPort,
  ResolvedProvider,
  ValueSource,
} from './deployment-config.js';
export { describeConfig } from './describe-config.js';
export { type LoadedProvider, loadProvider, registerProviderLoader } from './load-provider.js';
export { BUILT_IN_PROVIDERS } from './provider-catalog.js';
export { findConfigFile, readConfigFile } from './read-config-file.js';
export {
  ALL_PORTS_ENV,
  PORT_ENV,
  RETENTION_ENV,
  resolvePorts,
  resolveRetention,
} from './resolve-deployment.js';
