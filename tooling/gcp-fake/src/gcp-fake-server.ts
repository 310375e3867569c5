import * as grpc from '@grpc/grpc-js';
import { CloudRunModel } from './cloud-run-model.js';
import { FakeContainerRuntime } from './container-runtime.js';
import { FaultInjector, projectOf } from './faults.js';
import { FakeStatusError, invalid } from './grpc-errors.js';
import { type LogEntryMessage, LoggingModel } from './logging-model.js';
import { loadServices } from './protos.js';
import { checkLogResourceName } from './resource-names.js';

/** One call the fake received: method, request (decoded) and the routing header. */
export interface RecordedCall {
  method: string;
  /** The project of the request's resource names. */
  project: string | undefined;
  request: unknown;
  routing: string | undefined;
}

export interface GcpFakeOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** Milliseconds before a written log entry can be read. @default 0 */
  ingestionDelayMs?: number;
}

type Handler = (request: never) => unknown;

/**
 * The fake: Cloud Run Admin v2 (Jobs, Executions, Tasks, google.longrunning.Operations) and Cloud Logging
 * v2 (LoggingServiceV2) on one insecure gRPC server on 127.0.0.1, built from the shipped protos.
 */
export class GcpFake {
  readonly run = new CloudRunModel();
  readonly logging = new LoggingModel();
  readonly runtime = new FakeContainerRuntime(this.run, this.logging);
  readonly faults = new FaultInjector();
  readonly calls: RecordedCall[] = [];
  private server: grpc.Server | undefined;
  private readonly tails = new Set<() => void>();
  port = 0;

  constructor(private readonly options: GcpFakeOptions = {}) {
    this.logging.ingestionDelayMs = options.ingestionDelayMs ?? 0;
  }

  /** `127.0.0.1:<port>` once started. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Calls of one method (e.g. `RunJob`) received so far. */
  callsOf(method: string, project?: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method && (!project || call.project === project));
  }

  async start(): Promise<this> {
    const services = loadServices();
    const server = new grpc.Server();
    const { run, logging } = this;
    server.addService(
      services.jobs,
      this.unary(
        {
          CreateJob: (r) => run.createJob(r),
          GetJob: (r) => run.getJob(r),
          ListJobs: (r) => run.listJobs(r),
          UpdateJob: (r) => run.updateJob(r),
          DeleteJob: (r) => run.deleteJob(r),
          RunJob: (r) => run.runJob(r),
        },
        ['GetIamPolicy', 'SetIamPolicy', 'TestIamPermissions'],
      ),
    );
    server.addService(
      services.executions,
      this.unary(
        {
          GetExecution: (r) => run.getExecution(r),
          ListExecutions: (r) => run.listExecutions(r),
          CancelExecution: (r) => run.cancelExecution(r),
        },
        ['DeleteExecution'],
      ),
    );
    server.addService(services.tasks, this.unary({ ListTasks: (r) => run.listTasks(r) }, ['GetTask']));
    server.addService(
      services.operations,
      this.unary({ GetOperation: (r) => run.getOperation(r) }, [
        'ListOperations',
        'DeleteOperation',
        'CancelOperation',
        'WaitOperation',
      ]),
    );
    server.addService(services.logging, {
      ...this.unary(
        {
          WriteLogEntries: (r) => {
            logging.write(r);
            return {};
          },
          ListLogEntries: (r) => logging.list(r),
        },
        ['DeleteLog', 'ListMonitoredResourceDescriptors', 'ListLogs'],
      ),
      TailLogEntries: (call: grpc.ServerDuplexStream<unknown, unknown>) => this.tail(call),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        `127.0.0.1:${this.options.port ?? 0}`,
        grpc.ServerCredentials.createInsecure(),
        (error, bound) => (error ? reject(error) : resolve(bound)),
      ),
    );
    this.server = server;
    this.port = port;
    return this;
  }

  async stop(): Promise<void> {
    this.runtime.stopAll();
    for (const end of this.tails) end();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 2000);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Unary handlers with recording and fault injection; `unimplemented` answer UNIMPLEMENTED. */
  private unary(
    handlers: Record<string, Handler>,
    unimplemented: string[],
  ): grpc.UntypedServiceImplementation {
    const implementation: grpc.UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(handlers)) {
      implementation[method] = (
        call: grpc.ServerUnaryCall<unknown, unknown>,
        callback: grpc.sendUnaryData<unknown>,
      ) => {
        const routing = call.metadata.get('x-goog-request-params')[0];
        const project = projectOf(call.request);
        this.calls.push({
          method,
          project,
          request: call.request,
          routing: routing === undefined ? undefined : String(routing),
        });
        const fault = this.faults.decide(method, project);
        const fail = (code: grpc.status, details: string) =>
          callback({ code, details, metadata: new grpc.Metadata() });
        if (fault?.at === 'before')
          return fail(
            fault.code,
            fault.message ?? `injected ${grpc.status[fault.code]} before ${method} ran`,
          );
        let result: unknown;
        try {
          result = (handler as (request: unknown) => unknown)(call.request);
        } catch (error) {
          if (error instanceof FakeStatusError) return fail(error.code, error.details);
          return fail(grpc.status.INTERNAL, `fake: ${(error as Error).stack ?? String(error)}`);
        }
        if (fault?.at === 'after')
          return fail(fault.code, fault.message ?? `injected ${grpc.status[fault.code]} after ${method} ran`);
        callback(null, result);
      };
    }
    for (const method of unimplemented) {
      implementation[method] = (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the fake` });
    }
    return implementation;
  }

  /** TailLogEntries: entries that become visible after the first request, until the client ends the stream. */
  private tail(call: grpc.ServerDuplexStream<unknown, unknown>): void {
    let timer: NodeJS.Timeout | undefined;
    const end = () => {
      clearInterval(timer);
      this.tails.delete(end);
      call.end();
    };
    this.tails.add(end);
    call.once('data', (raw: unknown) => {
      const request = raw as { resourceNames?: string[]; filter?: string };
      this.calls.push({ method: 'TailLogEntries', project: projectOf(request), request, routing: undefined });
      try {
        const names = request.resourceNames ?? [];
        if (names.length === 0) throw invalid('resource_names: at least one resource name is required');
        for (const name of names) checkLogResourceName(name);
        this.logging.filters.push(request.filter ?? '');
        let since = Date.now();
        timer = setInterval(() => {
          const until = Date.now();
          let entries: LogEntryMessage[];
          try {
            entries = this.logging.tail(request.filter ?? '', names, since, until);
          } catch (error) {
            call.destroy(error as Error);
            return;
          }
          since = until;
          if (entries.length) call.write({ entries });
        }, 100);
      } catch (error) {
        const status =
          error instanceof FakeStatusError ? error : new FakeStatusError(grpc.status.INTERNAL, String(error));
        call.emit('error', { code: status.code, details: status.details });
        end();
      }
    });
    call.on('end', end);
    call.on('cancelled', end);
    call.on('error', end);
  }
}

/** Starts a fake on 127.0.0.1 (any free port unless given). */
export function startGcpFake(options: GcpFakeOptions = {}): Promise<GcpFake> {
  return new GcpFake(options).start();
}
