import { appliesAutomatically, type OrchestratorService } from '@taskport/core';

/** How often the server applies retention. */
export const RETENTION_EVERY_MS = 3600_000;

/**
 * Applies the deployment's retention every hour (and once shortly after start): finished executions
 * older than the period go, with their output and backend lines. A failure is logged by the Service's
 * own operation line and retried at the next tick; it never stops the server. Returns a stop function.
 */
export function startRetentionTimer(
  service: Pick<OrchestratorService, 'pruneExecutions' | 'executionStore'>,
  retention: { seconds: number | null; source: string },
  options: { everyMs?: number; firstAfterMs?: number } = {},
): () => void {
  if (!appliesAutomatically(retention, service.executionStore())) return () => {};
  const { seconds } = retention;
  let running = false;
  const tick = () => {
    if (running) return;
    running = true;
    service
      .pruneExecutions({ before: Date.now() - seconds * 1000 })
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  };
  const first = setTimeout(tick, options.firstAfterMs ?? 10_000);
  const every = setInterval(tick, options.everyMs ?? RETENTION_EVERY_MS);
  first.unref();
  every.unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
