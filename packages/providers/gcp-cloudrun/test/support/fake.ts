import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { ContractDriver, TaskBehaviour } from '@taskport/contract-tests';
import { canonicalImageConfig, type ImageConfig, type ImageInfo, toImageInfo } from '@taskport/core';
import { FakeControl } from '@taskport/gcp-fake';
import { inject } from 'vitest';
import {
  type GcpOptions,
  type GcpOptionsInput,
  gcpClients,
  type LazyGcpClients,
  parseGcpOptions,
} from '../../src/index.js';

export const REGION = 'us-central1';

export function randomName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Options pointing at the fake. A fresh project per call unless given, so fixtures never see each other. */
export function fakeOptions(overrides: Partial<GcpOptionsInput> = {}): GcpOptions {
  return parseGcpOptions({
    project: randomName('tp'),
    region: REGION,
    endpoint: inject('gcpEndpoint'),
    // The fake delays reads of new entries by 150 ms; following streams wait a little longer than that.
    logIngestionDelayMs: 400,
    retry: { baseDelayMs: 20, maxDelayMs: 200, budgetMs: 10_000 },
    ...overrides,
  });
}

export function control(): FakeControl {
  return new FakeControl(inject('gcpControl'));
}

/** An ImageInfo as any registry (local, aws, ...) would hand it to the executor. */
export function foreignImage(config: Partial<ImageConfig> = {}): ImageInfo {
  return toImageInfo(
    canonicalImageConfig({
      image: 'alpine:3.20',
      resources: { cpu: 1024, memory: 2048 },
      registeredBy: 'tests@taskport.test',
      ...config,
    }),
  );
}

/**
 * Plays the Cloud Run runtime for the contract suites: starts the execution's container in the fake, which
 * runs the argv and environment the execution received (the run's args and env overrides) and writes what
 * it prints to Cloud Logging, as Cloud Run does. The behaviour only says when `play` returns: after the
 * exit for tasks that end by themselves, at once for those that print slowly or sleep.
 */
export class CloudRunDriver implements ContractDriver {
  constructor(private readonly fake = control()) {}

  async play(executionId: string, behaviour: TaskBehaviour): Promise<void> {
    const endsByItself =
      behaviour.kind === 'exit' || behaviour.kind === 'printEnv' || behaviour.kind === 'printArgs';
    await this.fake.start(executionId, endsByItself ? 'exit' : undefined);
  }

  /** Cloud Run carries out a cancel or a timeout by itself (the fake within ~50 ms): nothing to settle. */
  async settle(): Promise<void> {}

  /** The execution disappears, as when its job is deleted or it ages out of the 1000 kept per job. */
  readonly forget = (executionId: string): Promise<void> => this.fake.forget(executionId);
}

/** Stores a secret in the fake's Secret Manager and returns its reference, for `secretReference`. */
export async function secretReference(options: GcpOptions, value: string): Promise<string> {
  const name = `projects/${options.project}/secrets/${randomName('s')}`;
  await control().putSecret(name, value);
  return `${name}/versions/latest`;
}

/** A well-formed execution name that no execution has. */
export function unknownExecutionId(options: GcpOptions): string {
  return `projects/${options.project}/locations/${options.region}/jobs/taskport-none/executions/taskport-none-zzzzz`;
}

/**
 * Clients whose every gRPC call is counted by a client interceptor, for `providerCalls` (the suites check
 * that an already-aborted signal makes no call). The fixture owns them: `close()` in its cleanup.
 */
export function countedClients(options: GcpOptions): { clients: LazyGcpClients; calls: () => number } {
  let calls = 0;
  const clients = gcpClients(options, {
    interceptors: [
      (callOptions, nextCall) => {
        calls++;
        return new grpc.InterceptingCall(nextCall(callOptions));
      },
    ],
  });
  return { clients, calls: () => calls };
}
