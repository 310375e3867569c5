export { CloudRunModel, type OperationMessage } from './cloud-run-model.js';
export type { Condition, Container, EnvVar, Execution, Job, Task } from './cloud-run-types.js';
export { FakeContainerRuntime, type FakeImage } from './container-runtime.js';
export { FakeControl, startControlServer } from './control-server.js';
export { type Fault, FaultInjector, type FaultPoint, type FaultRates } from './faults.js';
export { GcpFake, type GcpFakeOptions, type RecordedCall, startGcpFake } from './gcp-fake-server.js';
export { type Comparison, type ParsedFilter, parseFilter } from './log-filter.js';
export { fromStruct, type LogEntryMessage, LoggingModel, toStruct } from './logging-model.js';
export { runProgram } from './mini-shell.js';
