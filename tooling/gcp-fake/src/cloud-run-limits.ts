import type { ExecutionTemplate, TaskTemplate } from './cloud-run-types.js';
import { invalid } from './grpc-errors.js';
import { durationSeconds } from './time.js';

/*
 * The checks Cloud Run itself makes on a Job and on a run's overrides (from Google's documented limits).
 * The adapter validates the same limits before calling; the fake refusing them too proves nothing slips by.
 */

const LABEL_KEY = /^[a-z][a-z0-9_-]{0,62}$/;
const LABEL_VALUE = /^[a-z0-9_-]{0,63}$/;
const RESERVED_PREFIXES = [
  'run.googleapis.com',
  'cloud.googleapis.com',
  'serving.knative.dev',
  'autoscaling.knative.dev',
];
const CPU = new Set(['1', '2', '4', '6', '8', '1000m', '2000m', '4000m', '6000m', '8000m']);
const MAX_TIMEOUT_SECONDS = 168 * 3600;
const RESERVED_ENV = new Set([
  'CLOUD_RUN_JOB',
  'CLOUD_RUN_EXECUTION',
  'CLOUD_RUN_TASK_INDEX',
  'CLOUD_RUN_TASK_ATTEMPT',
  'CLOUD_RUN_TASK_COUNT',
]);

export function checkLabels(labels: Record<string, string> | undefined, field: string): void {
  const entries = Object.entries(labels ?? {});
  if (entries.length > 64) throw invalid(`${field}: at most 64 labels, got ${entries.length}`);
  for (const [key, value] of entries) {
    if (RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw invalid(`${field}: label key "${key}" uses a reserved prefix`);
    }
    if (!LABEL_KEY.test(key)) throw invalid(`${field}: label key "${key}" is invalid`);
    if (!LABEL_VALUE.test(value)) throw invalid(`${field}: label value "${value}" of "${key}" is invalid`);
  }
}

export function checkAnnotations(annotations: Record<string, string> | undefined, field: string): void {
  for (const key of Object.keys(annotations ?? {})) {
    if (RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      throw invalid(`${field}: annotation "${key}" uses a reserved prefix`);
    }
  }
}

function memoryMiB(value: string): number {
  const match = /^(\d+)(Mi|Gi|M|G)?$/.exec(value);
  if (!match) throw invalid(`memory limit "${value}" is not a quantity such as 512Mi or 2Gi`);
  const n = Number(match[1]);
  switch (match[2]) {
    case 'Gi':
      return n * 1024;
    case 'G':
      return (n * 1e9) / 2 ** 20;
    case 'M':
      return (n * 1e6) / 2 ** 20;
    case 'Mi':
      return n;
    default:
      return n / 2 ** 20;
  }
}

/** CPU and memory pairs Cloud Run accepts for a job container. */
export function checkResources(limits: Record<string, string> | undefined, field: string): void {
  const cpu = limits?.cpu ?? '1';
  const memory = memoryMiB(limits?.memory ?? '512Mi');
  if (!CPU.has(cpu)) throw invalid(`${field}.cpu "${cpu}" must be 1, 2, 4, 6 or 8`);
  const cores = Number(cpu.replace(/m$/, '')) / (cpu.endsWith('m') ? 1000 : 1);
  const [min, max] =
    cores === 1
      ? [512, 4096]
      : cores === 2
        ? [512, 8192]
        : cores === 4
          ? [2048, 16384]
          : cores === 6
            ? [4096, 24576]
            : [4096, 32768];
  if (memory < min || memory > max) {
    throw invalid(`${field}.memory ${memory} MiB is outside ${min}-${max} MiB for ${cores} CPU`);
  }
}

export function checkTimeout(timeout: TaskTemplate['timeout'], field: string): void {
  const seconds = durationSeconds(timeout);
  if (seconds === undefined) return;
  if (!(seconds > 0) || seconds > MAX_TIMEOUT_SECONDS) {
    throw invalid(`${field} must be between 1s and ${MAX_TIMEOUT_SECONDS}s, got ${seconds}s`);
  }
}

export function checkEnv(env: { name?: string }[] | undefined, field: string): void {
  if ((env?.length ?? 0) > 1000) throw invalid(`${field}: at most 1000 environment variables`);
  for (const variable of env ?? []) {
    if (!variable.name) throw invalid(`${field}: an environment variable needs a name`);
    if (RESERVED_ENV.has(variable.name)) throw invalid(`${field}: ${variable.name} is reserved by Cloud Run`);
  }
}

/** The checks of CreateJob / UpdateJob on `job.template`. */
export function checkExecutionTemplate(template: ExecutionTemplate | undefined): void {
  if (!template?.template) throw invalid('job.template.template is required');
  checkLabels(template.labels, 'job.template.labels');
  const taskCount = template.taskCount ?? 1;
  if (taskCount < 1 || taskCount > 10_000) throw invalid('job.template.task_count must be 1-10000');
  const task = template.template;
  const containers = task.containers ?? [];
  if (containers.length === 0) throw invalid('job.template.template.containers: at least one container');
  for (const [index, container] of containers.entries()) {
    if (!container.image) throw invalid(`job.template.template.containers[${index}].image is required`);
    checkResources(
      container.resources?.limits,
      `job.template.template.containers[${index}].resources.limits`,
    );
    checkEnv(container.env, `job.template.template.containers[${index}].env`);
  }
  if ((task.maxRetries ?? 0) < 0 || (task.maxRetries ?? 0) > 10) {
    throw invalid('job.template.template.max_retries must be 0-10');
  }
  checkTimeout(task.timeout, 'job.template.template.timeout');
}
