/**
 * The shapes the console reads from and sends to the HTTP API (`/api/v1`). They mirror the domain types of
 * `@taskport/core` as the server serialises them (JSON, camelCase, ISO 8601 times, Unix-millisecond log
 * timestamps); the console keeps its own copy so the browser bundle never imports server code.
 */

export type ExecutionStatus = 'STARTING' | 'RUNNING' | 'TERMINATING' | 'SUCCEEDED' | 'FAILED' | 'STOPPED';

export const EXECUTION_STATUSES: readonly ExecutionStatus[] = [
  'STARTING',
  'RUNNING',
  'TERMINATING',
  'SUCCEEDED',
  'FAILED',
  'STOPPED',
];

const FINAL: readonly ExecutionStatus[] = ['SUCCEEDED', 'FAILED', 'STOPPED'];

/** Final statuses never change; a console stops polling and following once it sees one. */
export function isFinalStatus(status: ExecutionStatus): boolean {
  return FINAL.includes(status);
}

/** One execution record. */
export interface Execution {
  executionId: string;
  status: ExecutionStatus;
  /** A string runs through `/bin/sh -c`; an array is the argv itself. */
  command: string | string[];
  imageId: string;
  image: string;
  createdBy: string;
  executor: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  exitCode: number | null;
  stopCode?: string;
  reason?: string;
  requestId: string;
  modifiedByRequestId?: string;
  labels: Record<string, string>;
  envKeys: string[];
  env: Record<string, string>;
  timeoutSeconds?: number;
}

/** A page of executions, newest first. */
export interface ExecutionPage {
  items: Execution[];
  nextCursor?: string;
}

export type LogStream = 'stdout' | 'stderr';

/** One line of output (`timestamp` in Unix ms). */
export interface LogEvent {
  timestamp: number;
  message: string;
  stream?: LogStream;
  eventId: string;
}

export type Platform = 'linux/amd64' | 'linux/arm64';

/** A registered image. */
export interface ImageInfo {
  imageId: string;
  image: string;
  reference: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  isDefault: boolean;
  cpu: number;
  memory: number;
  platform: Platform;
  taskRole?: string;
  executionRole?: string;
  registeredBy: string;
  createdAt: string;
  requestId?: string;
}

/** The body of an image registration (the server fills `registeredBy` from the signed-in user). */
export interface ImageConfigBody {
  image: string;
  isDefault?: boolean;
  resources?: { cpu?: number; memory?: number };
  runtime?: { platform?: string };
  permissions?: { taskRole?: string; executionRole?: string };
}

/** The body of `POST /run`. */
export interface RunBody {
  command: string | string[];
  image?: string;
  env?: Record<string, string>;
  secrets?: Record<string, string>;
  timeoutSeconds?: number;
  labels?: Record<string, string>;
}

export type Role = 'admin' | 'operator' | 'developer' | 'viewer';

/** The signed-in user as the server knows them. */
export interface WhoAmI {
  email: string;
  role: Role;
}

/** A request id's backend lines and the executions it created or changed. */
export interface TraceResult {
  requestId: string;
  logs: LogEvent[];
  executions: Execution[];
}
