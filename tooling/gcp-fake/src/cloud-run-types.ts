/*
 * The plain shapes of the Cloud Run v2 messages the fake stores and returns (camelCase, as proto-loader
 * decodes and encodes them). Only the fields the fake reads are typed; the rest pass through untouched.
 */

export interface Timestamp {
  seconds: string;
  nanos: number;
}

export interface Duration {
  seconds?: string | number;
  nanos?: number;
}

export interface EnvVar {
  name?: string;
  value?: string;
  valueSource?: { secretKeyRef?: { secret?: string; version?: string } };
}

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  resources?: { limits?: Record<string, string> };
  [field: string]: unknown;
}

export interface TaskTemplate {
  containers?: Container[];
  maxRetries?: number;
  timeout?: Duration;
  serviceAccount?: string;
  [field: string]: unknown;
}

export interface ExecutionTemplate {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  parallelism?: number;
  taskCount?: number;
  template?: TaskTemplate;
}

export interface Condition {
  type: string;
  state: 'CONDITION_PENDING' | 'CONDITION_RECONCILING' | 'CONDITION_FAILED' | 'CONDITION_SUCCEEDED';
  message?: string;
  lastTransitionTime?: Timestamp;
  severity?: 'ERROR' | 'WARNING' | 'INFO';
  executionReason?: string;
}

export interface Job {
  name: string;
  uid: string;
  generation: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createTime: Timestamp;
  updateTime: Timestamp;
  creator: string;
  lastModifier: string;
  client?: string;
  clientVersion?: string;
  launchStage?: string;
  template: ExecutionTemplate;
  observedGeneration: string;
  terminalCondition: Condition;
  conditions: Condition[];
  executionCount: number;
  latestCreatedExecution?: {
    name: string;
    createTime: Timestamp;
    completionTime?: Timestamp;
    completionStatus: string;
  };
  reconciling: boolean;
  etag: string;
}

export interface Execution {
  name: string;
  uid: string;
  creator: string;
  generation: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createTime: Timestamp;
  startTime?: Timestamp;
  completionTime?: Timestamp;
  updateTime: Timestamp;
  launchStage?: string;
  job: string;
  parallelism: number;
  taskCount: number;
  template: TaskTemplate;
  reconciling: boolean;
  conditions: Condition[];
  observedGeneration: string;
  runningCount: number;
  succeededCount: number;
  failedCount: number;
  cancelledCount: number;
  retriedCount: number;
  logUri: string;
  etag: string;
}

export interface Task {
  name: string;
  uid: string;
  generation: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createTime: Timestamp;
  scheduledTime?: Timestamp;
  startTime?: Timestamp;
  completionTime?: Timestamp;
  updateTime: Timestamp;
  job: string;
  execution: string;
  containers: Container[];
  maxRetries: number;
  timeout?: Duration;
  serviceAccount?: string;
  reconciling: boolean;
  conditions: Condition[];
  observedGeneration: string;
  index: number;
  retried: number;
  lastAttemptResult?: { status?: { code: number; message: string }; exitCode?: number; termSignal?: number };
  logUri: string;
  etag: string;
}
