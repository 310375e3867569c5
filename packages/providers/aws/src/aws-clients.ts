import type { AwsClients, AwsOptions } from './aws-options.js';

/** The SDK module behind each client. Only the modules an adapter actually calls are ever imported. */
export interface AwsSdk {
  ecs: typeof import('@aws-sdk/client-ecs');
  dynamodb: typeof import('@aws-sdk/client-dynamodb');
  iam: typeof import('@aws-sdk/client-iam');
  logs: typeof import('@aws-sdk/client-cloudwatch-logs');
}

/** One of the AWS services the provider talks to. */
export type AwsService = keyof AwsSdk;

/** How each service is named in error messages. */
export const SERVICE_NAMES: Readonly<Record<AwsService, string>> = {
  ecs: 'ECS',
  dynamodb: 'DynamoDB',
  iam: 'IAM',
  logs: 'CloudWatch Logs',
};

/**
 * The module's exports. A bundler that turns the CommonJS SDK package into a chunk may hand them over as
 * `default` only (the bundled CLI does): `client` names an export to tell the two shapes apart.
 */
function exportsOf<M>(loaded: unknown, client: string): M {
  const namespace = loaded as Record<string, unknown> & { default?: Record<string, unknown> };
  return (
    namespace[client] === undefined && namespace.default?.[client] !== undefined
      ? namespace.default
      : namespace
  ) as M;
}

// Literal specifiers, so that bundlers and the module graph see each SDK package as its own lazy chunk.
const importers: { [K in AwsService]: () => Promise<AwsSdk[K]> } = {
  ecs: async () => exportsOf(await import('@aws-sdk/client-ecs'), 'ECSClient'),
  dynamodb: async () => exportsOf(await import('@aws-sdk/client-dynamodb'), 'DynamoDBClient'),
  iam: async () => exportsOf(await import('@aws-sdk/client-iam'), 'IAMClient'),
  logs: async () => exportsOf(await import('@aws-sdk/client-cloudwatch-logs'), 'CloudWatchLogsClient'),
};

// Loosely typed inside: each entry holds the module of its own key.
const modules: Partial<Record<AwsService, Promise<unknown>>> = {};

/**
 * The SDK module of a service, imported on first use. Loading a client package costs tens of
 * milliseconds of start-up (IAM and CloudWatch Logs alone ~30 ms), which a CLI command that never calls
 * that service should not pay.
 */
export function awsSdk<K extends AwsService>(service: K): Promise<AwsSdk[K]> {
  let loading = modules[service] as Promise<AwsSdk[K]> | undefined;
  if (!loading) {
    loading = importers[service]();
    modules[service] = loading;
    // A failed import is not cached: the next call tries again.
    loading.catch(() => {
      delete modules[service];
    });
  }
  return loading;
}

const CALL = Symbol.for('taskport.aws.call');

/** The service and API operation (`{ service: 'ECS', operation: 'RunTask' }`) an SDK error came from. */
export function awsCallOf(error: unknown): { service: string; operation: string } | undefined {
  return typeof error === 'object' && error !== null
    ? ((error as Record<symbol, { service: string; operation: string } | undefined>)[CALL] ?? undefined)
    : undefined;
}

interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: string; name: string; priority?: string }): void;
  identify?(): string[];
}

const NAME_ERRORS = 'taskportNameErrors';

const named = new WeakSet<object>();

/**
 * Marks every error a client throws with the service and the API operation, so that the adapters' error
 * translation can name them even for failures that carry neither (a body that is not AWS JSON).
 */
function nameErrors<C extends object>(client: C, service: AwsService): C {
  if (named.has(client)) return client;
  named.add(client);
  const stack = (client as { middlewareStack?: MiddlewareStackLike }).middlewareStack;
  // Another copy of this module (or an earlier adapter) may have marked this client already.
  if (!stack || stack.identify?.().some((entry) => entry.startsWith(NAME_ERRORS))) return client;
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: unknown) => {
        try {
          return await next(args);
        } catch (error) {
          if (typeof error === 'object' && error !== null && !(CALL in error)) {
            Object.defineProperty(error, CALL, {
              value: {
                service: SERVICE_NAMES[service],
                operation: (context.commandName ?? 'call').replace(/Command$/, ''),
              },
              enumerable: false,
            });
          }
          throw error;
        }
      },
    { step: 'initialize', name: NAME_ERRORS, priority: 'high' },
  );
  return client;
}

/**
 * The SDK clients of one options object, each built (and its SDK module imported) on first use, then
 * shared by every adapter built from these options. Clients built here do not retry by themselves
 * (`maxAttempts: 1`): the adapters retry with their own budget, so attempts never multiply.
 */
export class AwsClientSource {
  private readonly clients: Partial<Record<AwsService, Promise<unknown>>> = {};

  constructor(
    private readonly options: AwsOptions,
    private readonly given: Partial<AwsClients> = {},
    private readonly fallback?: AwsClientSource,
  ) {}

  /** The client of `service`: a given one, else one built from region, endpoint and credentials. */
  client<K extends AwsService>(service: K): Promise<AwsClients[K]> {
    let client = this.clients[service] as Promise<AwsClients[K]> | undefined;
    if (!client) {
      const given = (this.given[service] ?? this.options.clients?.[service]) as AwsClients[K] | undefined;
      if (given) client = Promise.resolve(nameErrors(given, service));
      else if (this.fallback) client = this.fallback.client(service);
      else client = this.build(service);
      this.clients[service] = client;
      client.catch(() => {
        delete this.clients[service];
      });
    }
    return client;
  }

  /** Runs `call` with the client of `service` and its SDK module (for the command classes). */
  async with<K extends AwsService, R>(
    service: K,
    call: (client: AwsClients[K], sdk: AwsSdk[K]) => Promise<R>,
  ): Promise<R> {
    const [client, sdk] = await Promise.all([this.client(service), awsSdk(service)]);
    return call(client, sdk);
  }

  ecs<R>(call: (client: AwsClients['ecs'], sdk: AwsSdk['ecs']) => Promise<R>): Promise<R> {
    return this.with('ecs', call);
  }

  dynamodb<R>(call: (client: AwsClients['dynamodb'], sdk: AwsSdk['dynamodb']) => Promise<R>): Promise<R> {
    return this.with('dynamodb', call);
  }

  iam<R>(call: (client: AwsClients['iam'], sdk: AwsSdk['iam']) => Promise<R>): Promise<R> {
    return this.with('iam', call);
  }

  logs<R>(call: (client: AwsClients['logs'], sdk: AwsSdk['logs']) => Promise<R>): Promise<R> {
    return this.with('logs', call);
  }

  private async build<K extends AwsService>(service: K): Promise<AwsClients[K]> {
    const config = {
      region: this.options.region,
      maxAttempts: 1,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      // A copy: the SDK marks the object it signs with, and the options stay as they were parsed.
      ...(this.options.credentials ? { credentials: { ...this.options.credentials } } : {}),
    };
    const sdk = await awsSdk(service);
    let client: AwsClients[AwsService];
    switch (service) {
      case 'ecs':
        client = new (sdk as AwsSdk['ecs']).ECSClient(config);
        break;
      case 'dynamodb':
        client = new (sdk as AwsSdk['dynamodb']).DynamoDBClient(config);
        break;
      case 'iam':
        client = new (sdk as AwsSdk['iam']).IAMClient(config);
        break;
      default:
        client = new (sdk as AwsSdk['logs']).CloudWatchLogsClient(config);
    }
    return nameErrors(client as AwsClients[K], service);
  }
}

const sources = new WeakMap<AwsOptions, AwsClientSource>();

/**
 * The lazily built clients of these options (one source per options object, shared by its adapters).
 * With `given` clients (any subset), those are used and the rest come from the shared source.
 */
export function awsClients(options: AwsOptions, given?: Partial<AwsClients>): AwsClientSource {
  let shared = sources.get(options);
  if (!shared) {
    shared = new AwsClientSource(options);
    sources.set(options, shared);
  }
  return given ? new AwsClientSource(options, given, shared) : shared;
}
