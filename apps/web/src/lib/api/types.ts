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
  startedAt?: string | null;
  completedAt?: string | null;
  /** null until known; never fabricated. */
  exitCode: number | null;
  /** EXITED, USER_INITIATED, TIMED_OUT, FAILED_TO_START, RUNTIME_LOST. */
  stopCode?: string | null;
  reason?: string | null;
  /** The command on one line, for display. */
  commandLine?: string;
  durationMs?: number | null;
  requestId: string;
  labels: Record<string, string>;
  /** Names (never values) of its environment. */
  envKeys: string[];
  timeoutSeconds?: number | null;
  workingDir?: string | null;
}

/** A page of executions, newest first. */
export interface ExecutionPage {
  executions: Execution[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export type LogStream = 'stdout' | 'stderr';

/** One line of output (`timestamp` in Unix ms). */
export interface LogEvent {
  timestamp: number;
  message: string;
  stream?: LogStream;
  eventId: string;
  /** Resume point after this event (`after` of the JSON page, SSE `Last-Event-ID`). */
  cursor?: string;
}

/** One page of `GET /executions/{id}/logs` as JSON. */
export interface LogsPage {
  executionId: string;
  status: ExecutionStatus;
  events: LogEvent[];
  /** Set while more events may follow: pass it as `after`. */
  nextCursor: string | null;
}

/** A registered image. */
export interface ImageInfo {
  imageId: string;
  image: string;
  reference: string;
  isDefault: boolean;
  /** CPU units, 1024 = 1 vCPU. */
  cpu: number;
  /** MiB. */
  memory: number;
  platform: string;
  taskRole?: string | null;
  executionRole?: string | null;
  registeredBy: string;
  createdAt: string;
  providerRef?: string | null;
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
  workingDir?: string;
}

export type Role = 'admin' | 'operator' | 'developer' | 'viewer';

/** The signed-in user as the server knows them (`GET /users/me`). */
export interface WhoAmI {
  email: string;
  role: Role;
  keyId?: string;
  /** What the role may do: `run`, `executions:kill(own)`, `images:write`, `trace`, ... */
  permissions?: string[];
}

/** A request id's backend lines and the executions it created or changed. */
export interface TraceResult {
  requestId: string;
  logs: LogEvent[];
  executions: Execution[];
}
