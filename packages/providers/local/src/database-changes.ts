import { type FSWatcher, watch } from 'node:fs';

/**
 * Tells a follower that another process may have committed to the database, so it can read at once
 * instead of at the end of its poll interval. A follower backs off while nothing arrives (up to
 * `maxPollIntervalMs`); without this, a task ending right after a poll was seen up to that interval
 * late, which was most of the wall time of a short `taskport run`.
 *
 * Every commit in WAL mode writes the `-wal` file beside the database, so a watch on the data directory
 * (inotify on Linux, FSEvents or kqueue elsewhere) fires on it. The watch only shortens a wait: the poll
 * timer stays, so where watching fails or says nothing (a network filesystem, no inotify instances left)
 * the follower reads exactly as often as before.
 */
export class DatabaseChanges {
  private watcher: FSWatcher | undefined;
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(dataDir: string) {
    try {
      // Not persistent: the watch alone never keeps the process alive (the poll timer does).
      this.watcher = watch(dataDir, { persistent: false }, () => this.notify());
      this.watcher.on('error', () => this.close());
    } catch {
      this.watcher = undefined;
    }
  }

  private notify(): void {
    this.changed = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Forgets earlier changes: call right before reading, so a change during the read still counts. */
  clear(): void {
    this.changed = false;
  }

  /**
   * Resolves after `ms`, or sooner: at once when something changed since `clear()`, else at the next
   * change. Rejects with the signal's reason when it aborts.
   */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.changed) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.wake = undefined;
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      const onAbort = () => {
        done();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.wake = () => {
        done();
        resolve();
      };
    });
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
