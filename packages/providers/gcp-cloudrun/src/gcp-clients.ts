import { LoggingServiceV2Client } from '@google-cloud/logging-api';
import { ExecutionsClient, JobsClient, TasksClient } from '@google-cloud/run';
import * as grpc from '@grpc/grpc-js';
import { ConfigurationError } from '@taskport/core';
import { type GcpClients, type GcpOptions, PROVIDER } from './gcp-options.js';

export type ClientOptions = NonNullable<ConstructorParameters<typeof JobsClient>[0]>;

export interface GcpClientExtras {
  /** gRPC client interceptors added to every call (the benchmark counts API calls with one). */
  interceptors?: grpc.Interceptor[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The constructor options every Google client of this provider gets. */
export function gcpClientOptions(options: GcpOptions, extras: GcpClientExtras = {}): ClientOptions {
  // The one copy of grpc-js in the tree: credentials made by another copy are refused by the clients.
  const base: ClientOptions = { projectId: options.project, grpc: grpc as unknown as ClientOptions['grpc'] };
  if (options.credentials?.keyFile) base.keyFilename = options.credentials.keyFile;
  if (extras.interceptors?.length) {
    const interceptors = extras.interceptors;
    // google-gax hands only `grpc.*` keys to the channel; this one reaches grpc-js as its
    // callInvocationTransformer, which adds the interceptors to every call.
    base['grpc.callInvocationTransformer'] = (properties: { callOptions: grpc.CallOptions }) => ({
      ...properties,
      callOptions: {
        ...properties.callOptions,
        interceptors: [...(properties.callOptions.interceptors ?? []), ...interceptors],
      },
    });
  }
  if (!options.endpoint) return base;
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(options.endpoint);
  if (!match) {
    throw new ConfigurationError(`${PROVIDER}.endpoint "${options.endpoint}" must be host:port`, {
      provider: PROVIDER,
      details: { key: `${PROVIDER}.endpoint` },
    });
  }
  const host = match[1]!;
  const port = Number(match[2]);
  if (LOOPBACK.has(host)) {
    // universeDomain stops the clients from probing the metadata server for one.
    return {
      ...base,
      apiEndpoint: host.replace(/^\[|\]$/g, ''),
      port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    };
  }
  return { ...base, apiEndpoint: host, port };
}

/**
 * The four clients, each built on first use (building one costs no network call either), so an adapter
 * holds only the channels it uses. Clients given in `options.clients` are used as they are and never closed
 * here; `close()` closes the ones built.
 */
export class LazyGcpClients implements GcpClients {
  private readonly built: Partial<GcpClients> = {};
  private readonly given: Partial<GcpClients>;
  private readonly clientOptions: ClientOptions;

  constructor(options: GcpOptions, extras: GcpClientExtras = {}) {
    this.given = options.clients ?? {};
    this.clientOptions = gcpClientOptions(options, extras);
  }

  get jobs(): JobsClient {
    if (this.given.jobs) return this.given.jobs;
    this.built.jobs ??= new JobsClient(this.clientOptions);
    return this.built.jobs;
  }

  get executions(): ExecutionsClient {
    if (this.given.executions) return this.given.executions;
    this.built.executions ??= new ExecutionsClient(this.clientOptions);
    return this.built.executions;
  }

  get tasks(): TasksClient {
    if (this.given.tasks) return this.given.tasks;
    this.built.tasks ??= new TasksClient(this.clientOptions);
    return this.built.tasks;
  }

  get logging(): LoggingServiceV2Client {
    if (this.given.logging) return this.given.logging;
    this.built.logging ??= new LoggingServiceV2Client(this.clientOptions);
    return this.built.logging;
  }

  async close(): Promise<void> {
    const clients = Object.values(this.built);
    for (const key of Object.keys(this.built)) delete this.built[key as keyof GcpClients];
    await Promise.allSettled(clients.map((client) => client.close()));
  }
}

/** Builds the clients for these options (lazily: see LazyGcpClients). */
export function gcpClients(options: GcpOptions, extras: GcpClientExtras = {}): LazyGcpClients {
  return new LazyGcpClients(options, extras);
}

/** The clients an adapter uses, and how it releases them: injected ones are the caller's to close. */
export function resolveClients(
  options: GcpOptions,
  injected: GcpClients | undefined,
): { clients: GcpClients; close: () => Promise<void> } {
  if (injected) return { clients: injected, close: async () => {} };
  const clients = gcpClients(options);
  return { clients, close: () => clients.close() };
}
