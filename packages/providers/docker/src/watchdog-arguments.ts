/** What the detached timeout watchdog is started with (one JSON argument; it holds no secrets). */
export interface WatchdogArguments {
  host: string;
  apiVersion: string;
  tls: boolean;
  certPath?: string;
  /** The task's container name (its execution id). */
  container: string;
  /** Unix ms. */
  deadline: number;
  timeoutSeconds: number;
  graceSeconds: number;
}
