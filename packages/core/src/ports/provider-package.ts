import type { BackendLogger } from './backend-logger.js';
import type { BackendObservability } from './backend-observability.js';
import type { ExecutionStore } from './execution-store.js';
import type { ImageRegistry } from './image-registry.js';
import type { LogAggregator } from './log-aggregator.js';
import type { TaskExecutor } from './task-executor.js';

/** The five ports a deployment chooses a provider for. */
export type PortName =
  | 'taskExecutor'
  | 'imageRegistry'
  | 'logAggregator'
  | 'backendObservability'
  | 'executionStore';
export const PORT_NAMES: readonly PortName[] = [
  'taskExecutor',
  'imageRegistry',
  'logAggregator',
  'backendObservability',
  'executionStore',
];

/** The adapter type of each port. */
export interface PortTypes {
  taskExecutor: TaskExecutor;
  imageRegistry: ImageRegistry;
  logAggregator: LogAggregator;
  backendObservability: BackendObservability;
  executionStore: ExecutionStore;
}

/** What the composition root hands every factory besides the provider's own options. */
export interface ProviderDependencies {
  /** The environment the deployment was read from (not necessarily `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A factory that builds one port's adapter from the provider's parsed options. */
export type PortFactory<Port extends PortName, Options> = (
  options: Options,
  deps: ProviderDependencies,
) => PortTypes[Port];

/**
 * The plain factories of a provider, one per port it implements. They are called at most once per
 * deployment (the composition root keeps the result as a singleton) and must not do I/O: connections are
 * opened on first use, so building a Service stays cheap.
 */
export type PortFactories<Options> = { [Port in PortName]?: PortFactory<Port, Options> };

/**
 * The validation half of a Standard Schema (https://standardschema.dev): zod 4, valibot and arktype
 * schemas all have it. Core names only this shape and stays free of any schema library.
 */
export interface OptionsSchema<Options> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => unknown;
    readonly types?: { readonly input: unknown; readonly output: Options } | undefined;
  };
}

/**
 * What a provider package exports as `taskportProvider`, so the composition root can load it by name.
 * It knows no dependency-injection library: `@taskport/container` binds the factories and owns the
 * lifecycle of what they build (it calls `close()` on every adapter that has one).
 */
export interface ProviderPackage<Options = unknown> {
  /** Name used in the deployment config, e.g. `local`, `aws`. */
  readonly name: string;
  /**
   * Schema of the provider's section of `taskport.yaml` (strict: unknown keys are errors). Values may
   * arrive as strings from the environment; the schema coerces them.
   */
  readonly optionsSchema: OptionsSchema<Options>;
  /**
   * Environment variables the options fall back to, by option key, first match wins
   * (e.g. `{ region: ['AWS_REGION', 'AWS_DEFAULT_REGION'] }`): "argument first, then environment".
   */
  readonly optionEnv?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * Defaults that depend on the environment (e.g. a data directory under `$XDG_STATE_HOME`), used for keys
   * that neither the file nor `optionEnv` set.
   */
  environmentDefaults?(env: Readonly<Record<string, string | undefined>>): Record<string, unknown>;
  /** One factory per port the provider implements. */
  readonly factories: PortFactories<Options>;
  /**
   * The logger the Service should write its structured lines to when this provider serves
   * BackendObservability, so that `fetchBackendLogs` finds them. It may hold resources (close()).
   */
  backendLogger?(options: Options, deps: ProviderDependencies): BackendLogger;
}

/** An adapter or logger that holds a resource (a database handle, a timer, a socket, a gRPC channel). */
export interface Closeable {
  /** Releases what the object holds. Safe to call twice; the object may not be used afterwards. */
  close(): Promise<void> | void;
}

/** True for an object with a `close()` method. */
export function isCloseable(value: unknown): value is Closeable {
  return (
    typeof value === 'object' && value !== null && typeof (value as { close?: unknown }).close === 'function'
  );
}
