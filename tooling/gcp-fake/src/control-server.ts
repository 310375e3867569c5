import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fault, FaultRates } from './faults.js';
import type { GcpFake } from './gcp-fake-server.js';

/*
 * A test-only JSON control endpoint on 127.0.0.1, so drivers in other processes (vitest workers, benches)
 * can play the runtime of a fake started elsewhere (vitest globalSetup). It is no part of any Google API.
 */

async function body(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Serves the control endpoint for `fake`; returns its base URL and a stop function. */
export async function startControlServer(fake: GcpFake): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const reply = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value ?? {}));
    };
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const input = request.method === 'POST' ? await body(request) : {};
      switch (`${request.method} ${url.pathname}`) {
        case 'POST /runtime/start': {
          const { exited } = fake.runtime.start(String(input.execution));
          if (input.wait === 'exit') await exited;
          return reply(200, {});
        }
        case 'POST /runtime/print':
          fake.runtime.print(
            String(input.execution),
            input.stream === 'stderr' ? 'stderr' : 'stdout',
            input.lines as string[],
          );
          return reply(200, {});
        case 'GET /runtime/environment':
          return reply(200, fake.runtime.environmentOf(String(url.searchParams.get('execution'))));
        case 'GET /runtime/argv':
          return reply(200, fake.runtime.argvOf(String(url.searchParams.get('execution'))));
        case 'POST /secrets':
          fake.runtime.secrets.set(String(input.name), String(input.value));
          return reply(200, {});
        case 'POST /images':
          fake.runtime.images.set(String(input.reference), {
            ...(input.entrypoint ? { entrypoint: input.entrypoint as string[] } : {}),
            ...(input.cmd ? { cmd: input.cmd as string[] } : {}),
          });
          return reply(200, {});
        case 'POST /forget':
          fake.run.forget(String(input.execution));
          return reply(200, {});
        case 'POST /faults/push':
          fake.faults.push(
            String(input.method),
            input.faults as Fault[],
            input.project ? String(input.project) : undefined,
          );
          return reply(200, {});
        case 'POST /faults/rates':
          fake.faults.setRates(
            String(input.method),
            input.rates as FaultRates,
            input.project ? String(input.project) : undefined,
          );
          return reply(200, {});
        case 'POST /faults/clear':
          fake.faults.clear();
          return reply(200, {});
        case 'GET /faults/injected':
          return reply(200, fake.faults.injected);
        case 'GET /filters':
          return reply(200, fake.logging.filters.slice(Number(url.searchParams.get('from') ?? 0)));
        case 'GET /calls': {
          const method = url.searchParams.get('method');
          const project = url.searchParams.get('project') ?? undefined;
          return reply(
            200,
            method
              ? fake.callsOf(method, project)
              : fake.calls.filter((c) => !project || c.project === project),
          );
        }
        case 'POST /logging':
          if (typeof input.ingestionDelayMs === 'number')
            fake.logging.ingestionDelayMs = input.ingestionDelayMs;
          if (typeof input.maxPageSize === 'number') fake.logging.maxPageSize = input.maxPageSize;
          return reply(200, {});
        default:
          return reply(404, { error: `no control route ${request.method} ${url.pathname}` });
      }
    })().catch((error: unknown) => reply(400, { error: (error as Error).message }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A client of the control endpoint, for drivers and tests. */
export class FakeControl {
  constructor(readonly url: string) {}

  private async call<T>(method: 'GET' | 'POST', path: string, input?: unknown): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(input === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) }),
    });
    const value = (await response.json()) as T & { error?: string };
    if (!response.ok)
      throw new Error(`[gcp-fake control] ${method} ${path}: ${value.error ?? response.status}`);
    return value;
  }

  /** Starts the execution's container; with `wait: 'exit'`, resolves once it has exited. */
  start(execution: string, wait?: 'exit'): Promise<void> {
    return this.call('POST', '/runtime/start', { execution, ...(wait ? { wait } : {}) });
  }
  print(execution: string, stream: 'stdout' | 'stderr', lines: readonly string[]): Promise<void> {
    return this.call('POST', '/runtime/print', { execution, stream, lines });
  }
  environment(execution: string): Promise<Record<string, string>> {
    return this.call('GET', `/runtime/environment?execution=${encodeURIComponent(execution)}`);
  }
  argv(execution: string): Promise<string[]> {
    return this.call('GET', `/runtime/argv?execution=${encodeURIComponent(execution)}`);
  }
  putSecret(name: string, value: string): Promise<void> {
    return this.call('POST', '/secrets', { name, value });
  }
  defineImage(reference: string, image: { entrypoint?: string[]; cmd?: string[] }): Promise<void> {
    return this.call('POST', '/images', { reference, ...image });
  }
  forget(execution: string): Promise<void> {
    return this.call('POST', '/forget', { execution });
  }
  /** Faults for the next calls of `method`; with `project`, only for calls about that project. */
  pushFaults(method: string, faults: Fault[], project?: string): Promise<void> {
    return this.call('POST', '/faults/push', { method, faults, ...(project ? { project } : {}) });
  }
  setFaultRates(method: string, rates: Omit<FaultRates, 'random'>, project?: string): Promise<void> {
    return this.call('POST', '/faults/rates', { method, rates, ...(project ? { project } : {}) });
  }
  clearFaults(): Promise<void> {
    return this.call('POST', '/faults/clear', {});
  }
  injectedFaults(): Promise<{ method: string; project?: string; at: string; code: number }[]> {
    return this.call('GET', '/faults/injected');
  }
  filters(from = 0): Promise<string[]> {
    return this.call('GET', `/filters?from=${from}`);
  }
  calls(
    method?: string,
    project?: string,
  ): Promise<{ method: string; project?: string; request: unknown; routing?: string }[]> {
    const query = new URLSearchParams({ ...(method ? { method } : {}), ...(project ? { project } : {}) });
    return this.call('GET', `/calls?${query}`);
  }
  configureLogging(settings: { ingestionDelayMs?: number; maxPageSize?: number }): Promise<void> {
    return this.call('POST', '/logging', settings);
  }
}
