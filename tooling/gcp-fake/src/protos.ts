import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** Where a package's shipped `.proto` files live (`build/protos`). */
function protoRoot(packageName: string): string {
  const manifest = require.resolve(`${packageName}/package.json`);
  return join(dirname(manifest), 'build', 'protos');
}

const RUN_PROTOS = protoRoot('@google-cloud/run');
const LOGGING_PROTOS = protoRoot('@google-cloud/logging-api');
// google/api, google/longrunning, google/rpc, google/protobuf: shipped by google-gax, which the clients use
// (its `exports` hide package.json, so go up from its entry point, build/src/index.js).
const COMMON_PROTOS = join(
  dirname(
    require.resolve('google-gax', { paths: [dirname(require.resolve('@google-cloud/run/package.json'))] }),
  ),
  '..',
  'protos',
);

/**
 * Decoded requests keep proto3 semantics visible: absent scalars and messages stay `undefined`
 * (`defaults: false`), so required-field checks see what the client really sent. Enums arrive as their
 * names and int64 as strings, which is how the real service's JSON view reads too.
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
  includeDirs: [RUN_PROTOS, LOGGING_PROTOS, COMMON_PROTOS],
};

type ServiceConstructor = grpc.ServiceClientConstructor;

export interface LoadedServices {
  jobs: grpc.ServiceDefinition;
  executions: grpc.ServiceDefinition;
  tasks: grpc.ServiceDefinition;
  operations: grpc.ServiceDefinition;
  logging: grpc.ServiceDefinition;
}

let cached: LoadedServices | undefined;

/** The service definitions of Cloud Run Admin v2, google.longrunning and Cloud Logging v2, from the shipped protos. */
export function loadServices(): LoadedServices {
  if (cached) return cached;
  const definition = protoLoader.loadSync(
    [
      'google/cloud/run/v2/job.proto',
      'google/cloud/run/v2/execution.proto',
      'google/cloud/run/v2/task.proto',
      'google/longrunning/operations.proto',
      'google/logging/v2/logging.proto',
    ],
    LOADER_OPTIONS,
  );
  const root = grpc.loadPackageDefinition(definition) as unknown as Record<string, unknown>;
  const lookup = (path: string): ServiceConstructor => {
    let node: unknown = root;
    for (const part of path.split('.')) node = (node as Record<string, unknown>)[part];
    if (typeof node !== 'function')
      throw new Error(`[gcp-fake] service ${path} is not in the shipped protos`);
    return node as ServiceConstructor;
  };
  cached = {
    jobs: lookup('google.cloud.run.v2.Jobs').service,
    executions: lookup('google.cloud.run.v2.Executions').service,
    tasks: lookup('google.cloud.run.v2.Tasks').service,
    operations: lookup('google.longrunning.Operations').service,
    logging: lookup('google.logging.v2.LoggingServiceV2').service,
  };
  return cached;
}

interface StaticMessage {
  fromObject(object: Record<string, unknown>): unknown;
  encode(message: unknown): { finish(): Uint8Array };
}

/**
 * Packs a plain Cloud Run message (`Execution`, `Job`) into a `google.protobuf.Any`, with the generated
 * message classes that ship in `@google-cloud/run` - the same ones the client decodes LRO payloads with.
 */
export function packRun(typeName: 'Execution' | 'Job', value: Record<string, unknown>) {
  const protos = require('@google-cloud/run/build/protos/protos.js') as {
    google: { cloud: { run: { v2: Record<string, StaticMessage> } } };
  };
  const type = protos.google.cloud.run.v2[typeName]!;
  return {
    typeUrl: `type.googleapis.com/google.cloud.run.v2.${typeName}`,
    value: Buffer.from(type.encode(type.fromObject(value)).finish()),
  };
}
