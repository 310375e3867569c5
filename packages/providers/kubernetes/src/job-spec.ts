import { createHash, randomBytes } from 'node:crypto';
import type { V1EnvVar, V1Job, V1Secret } from '@kubernetes/client-node';
import {
  commandArgv,
  type ImageInfo,
  type NormalisedExecutionRequest,
  ValidationError,
} from '@taskport/core';
import { PROVIDER } from './kubernetes-errors.js';
import { DNS_SUBDOMAIN, type KubernetesOptions } from './kubernetes-options.js';

/** Labels and annotations taskport puts on what it creates. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  execution: 'taskport.dev/execution',
  /** Set by the Job controller on the Job's pods. */
  jobName: 'batch.kubernetes.io/job-name',
} as const;
export const MANAGED_BY = 'taskport';

export const ANNOTATIONS = {
  createdBy: 'taskport.dev/created-by',
  requestId: 'taskport.dev/request-id',
  imageId: 'taskport.dev/image-id',
  idempotencyKey: 'taskport.dev/idempotency-key',
  fingerprint: 'taskport.dev/fingerprint',
  labels: 'taskport.dev/labels',
  /** Written by killTask before it ends the Job, so a kill is told apart from a failure or a timeout. */
  stopRequestedAt: 'taskport.dev/stop-requested-at',
  /** Written when the pod cannot start (image pull errors): the reason, kept after the pod is gone. */
  failedToStart: 'taskport.dev/failed-to-start',
  /** Written by killTask with a chosen grace period: the seconds the pods were deleted with. */
  stopGracePeriodSeconds: 'taskport.dev/stop-grace-period-seconds',
  /** Written by attachStdin before it attaches, so an interactive task gets exactly one attach. */
  stdinAttachedAt: 'taskport.dev/stdin-attached-at',
} as const;

/**
 * A secret value of this form names a key of an existing Kubernetes Secret in the namespace, which the
 * kubelet resolves into the task's environment: `k8s-secret://<secret name>/<key>`. Other values are
 * stored in the execution's own Secret.
 */
export const SECRET_REFERENCE =
  /^k8s-secret:\/\/([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?)\/([-._a-zA-Z0-9]{1,253})$/;

/** Splits secrets into references to existing Secrets and values for the execution's own Secret. */
export function splitSecrets(secrets: Record<string, string>) {
  const references: Record<string, { name: string; key: string }> = {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(secrets)) {
    const match = SECRET_REFERENCE.exec(value);
    if (match) references[name] = { name: match[1]!, key: match[3]! };
    else values[name] = value;
  }
  return { references, values };
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** True when `key: value` is a valid Kubernetes label (prefix a DNS subdomain, name and value at most 63). */
export function isKubernetesLabel(key: string, value: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return LABEL_NAME.test(name) && value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * The Job name of an execution: `<prefix>-<16 hex>`. With an idempotency key it is derived from the
 * namespace, the key and the request's fingerprint (which covers the user), so a retried start names the
 * same Job and the API server refuses a second one, while another user's key or a different request with
 * the same key names another Job. Without a key it is random, chosen once per start so that the start's
 * own retries still name one Job.
 */
export function jobNameFor(
  options: Pick<KubernetesOptions, 'jobNamePrefix' | 'namespace'>,
  idempotencyKey?: string,
  fingerprint = '',
) {
  const suffix = idempotencyKey
    ? createHash('sha256')
        .update(`${options.namespace}\n${idempotencyKey}\n${fingerprint}`)
        .digest('hex')
        .slice(0, 16)
    : randomBytes(8).toString('hex');
  return `${options.jobNamePrefix}-${suffix}`;
}

/** Name of the Secret that carries an execution's secret environment (owned by its Job). */
export function secretNameFor(jobName: string): string {
  return `${jobName}-env`;
}

/**
 * What a start asked for, hashed: a retry with the same idempotency key must ask for the same thing.
 * Secret *values* are left out (only their names), so the annotation reveals nothing about them.
 */
export function fingerprintOf(
  userEmail: string,
  request: NormalisedExecutionRequest,
  image: ImageInfo,
): string {
  const canonical = JSON.stringify([
    userEmail,
    request.command,
    image.imageId,
    image.reference,
    Object.entries(request.env).sort(),
    Object.keys(request.secrets).sort(),
    request.timeoutSeconds ?? null,
    Object.entries(request.labels).sort(),
    // Appended only when used, so the fingerprints of Jobs made before these fields existed still match.
    ...(request.workingDir !== undefined || request.interactive
      ? [request.workingDir ?? null, request.interactive === true]
      : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 32);
}

/** CPU units (1024 = one vCPU) as a Kubernetes quantity in millicores; MiB as `Mi`. */
export function cpuQuantity(units: number): string {
  return `${Math.ceil((units * 1000) / 1024)}m`;
}
export function memoryQuantity(mib: number): string {
  return `${mib}Mi`;
}

const MAX_CPU_UNITS = 1024 * 512;
const MAX_MEMORY_MIB = 1024 * 1024 * 4;

/** Checks what the Job will carry that core does not check: quantities and the ServiceAccount name. */
export function validateForKubernetes(
  image: ImageInfo,
  serviceAccount: string | undefined,
  operation: string,
) {
  const invalid = (field: string, message: string): never => {
    throw new ValidationError(message, { provider: PROVIDER, operation, details: { field } });
  };
  if (!Number.isSafeInteger(image.cpu) || image.cpu <= 0 || image.cpu > MAX_CPU_UNITS) {
    invalid(
      'image.cpu',
      `cpu must be a whole number of CPU units from 1 to ${MAX_CPU_UNITS} (1024 = one core), got ${image.cpu}`,
    );
  }
  if (!Number.isSafeInteger(image.memory) || image.memory <= 0 || image.memory > MAX_MEMORY_MIB) {
    invalid(
      'image.memory',
      `memory must be a whole number of MiB from 1 to ${MAX_MEMORY_MIB}, got ${image.memory}`,
    );
  }
  if (serviceAccount !== undefined && (serviceAccount.length > 253 || !DNS_SUBDOMAIN.test(serviceAccount))) {
    invalid(
      'image.taskRole',
      `the image's taskRole "${serviceAccount}" is not a Kubernetes ServiceAccount name (lowercase letters, digits, '-' and '.')`,
    );
  }
  if (image.platform !== 'linux/amd64' && image.platform !== 'linux/arm64') {
    invalid(
      'image.platform',
      `platform ${String(image.platform)} is not supported; use linux/amd64 or linux/arm64`,
    );
  }
}

export interface JobInput {
  name: string;
  userEmail: string;
  request: NormalisedExecutionRequest;
  image: ImageInfo;
  requestId: string;
  fingerprint: string;
}

/**
 * The Job of one execution: one pod, never restarted or retried (`backoffLimit: 0`), ended by the
 * platform after `timeoutSeconds` (`activeDeadlineSeconds`), removed `jobRetentionSeconds` after it
 * finished. The argv goes in `args`, so the image's ENTRYPOINT stays and its CMD is replaced - what ECS
 * `command` and Cloud Run `args` do. Secrets are referenced from the execution's own Secret.
 * `workingDir` becomes the container's `workingDir`; `interactive` opens its stdin for one attach
 * (`stdin` + `stdinOnce`: the container reads EOF when that attach closes it).
 */
export function buildJob(options: KubernetesOptions, input: JobInput): V1Job {
  const { request, image, name } = input;
  const serviceAccount = image.taskRole ?? options.serviceAccount;
  const env: V1EnvVar[] = Object.entries(request.env).map(([key, value]) => ({ name: key, value }));
  const secretName = secretNameFor(name);
  const { references } = splitSecrets(request.secrets);
  for (const key of Object.keys(request.secrets)) {
    const reference = references[key] ?? { name: secretName, key };
    env.push({ name: key, valueFrom: { secretKeyRef: { ...reference, optional: false } } });
  }
  const userLabels = Object.fromEntries(
    Object.entries(request.labels).filter(([key, value]) => isKubernetesLabel(key, value)),
  );
  const labels = { ...userLabels, [LABELS.managedBy]: MANAGED_BY, [LABELS.execution]: name };
  const annotations: Record<string, string> = {
    [ANNOTATIONS.createdBy]: input.userEmail,
    [ANNOTATIONS.requestId]: input.requestId,
    [ANNOTATIONS.imageId]: image.imageId,
    [ANNOTATIONS.fingerprint]: input.fingerprint,
    ...(request.idempotencyKey ? { [ANNOTATIONS.idempotencyKey]: request.idempotencyKey } : {}),
    ...(Object.keys(request.labels).length > 0
      ? { [ANNOTATIONS.labels]: JSON.stringify(request.labels) }
      : {}),
  };
  const resources = {
    cpu: cpuQuantity(image.cpu),
    memory: memoryQuantity(image.memory),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: options.namespace, labels, annotations },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      ...(request.timeoutSeconds !== undefined ? { activeDeadlineSeconds: request.timeoutSeconds } : {}),
      ttlSecondsAfterFinished: options.jobRetentionSeconds,
      template: {
        metadata: {
          labels: { ...options.podLabels, ...labels },
          ...(Object.keys(options.podAnnotations).length > 0
            ? { annotations: { ...options.podAnnotations } }
            : {}),
        },
        spec: {
          restartPolicy: 'Never',
          ...(serviceAccount ? { serviceAccountName: serviceAccount } : {}),
          ...(options.terminationGracePeriodSeconds !== undefined
            ? { terminationGracePeriodSeconds: options.terminationGracePeriodSeconds }
            : {}),
          nodeSelector: {
            ...options.nodeSelector,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': image.platform === 'linux/arm64' ? 'arm64' : 'amd64',
          },
          ...(options.tolerations.length > 0
            ? { tolerations: options.tolerations.map((t) => ({ ...t })) }
            : {}),
          ...(options.imagePullSecrets.length > 0
            ? { imagePullSecrets: options.imagePullSecrets.map((secret) => ({ name: secret })) }
            : {}),
          containers: [
            {
              name: options.containerName,
              image: image.reference,
              // As data: `args` replaces the image's CMD and keeps its ENTRYPOINT; no shell is involved.
              args: commandArgv(request.command),
              ...(request.workingDir !== undefined ? { workingDir: request.workingDir } : {}),
              ...(request.interactive ? { stdin: true, stdinOnce: true, tty: false } : {}),
              ...(env.length > 0 ? { env } : {}),
              ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
              resources: { requests: { ...resources }, limits: { ...resources } },
            },
          ],
        },
      },
    },
  };
}

/** The Secret of an execution's secret environment; owned by its Job once the Job exists. */
export function buildSecret(
  options: KubernetesOptions,
  jobName: string,
  secrets: Record<string, string>,
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: secretNameFor(jobName),
      namespace: options.namespace,
      labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.execution]: jobName },
    },
    type: 'Opaque',
    immutable: true,
    stringData: { ...secrets },
  };
}
