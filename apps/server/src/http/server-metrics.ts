import { type Execution, isFinalStatus } from '@taskport/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of one server instance: request counts and latencies by route, runs started,
 * runs by final status (counted once per execution this instance started, when it first sees the
 * execution final), and open log streams.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'taskport_http_requests_total',
    help: 'HTTP requests by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'taskport_http_request_duration_seconds',
    help: 'HTTP request latency by method and route (log streams: until the headers are sent)',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly runsStarted = new Counter({
    name: 'taskport_runs_started_total',
    help: 'Executions started through this instance (idempotent replays not counted)',
    registers: [this.registry],
  });
  readonly runsFinished = new Counter({
    name: 'taskport_runs_finished_total',
    help: 'Executions started through this instance, by final status',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly streams = new Gauge({
    name: 'taskport_log_streams_open',
    help: 'Log streams (SSE and WebSocket) being served',
    registers: [this.registry],
  });
  /** Executions this instance started and has not yet seen final (bounded). */
  private readonly pending = new Set<string>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'taskport_server_' });
  }

  started(executionId: string): void {
    this.runsStarted.inc();
    if (this.pending.size < 100_000) this.pending.add(executionId);
  }

  /** Called with every execution the API returns. */
  seen(execution: Execution): void {
    if (isFinalStatus(execution.status) && this.pending.delete(execution.executionId)) {
      this.runsFinished.inc({ status: execution.status });
    }
  }
}
