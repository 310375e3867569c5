import { DatabaseSync } from 'node:sqlite';
import {
  type ContractDriver,
  describeBackendObservabilityContract,
  describeExecutionStoreContract,
  describeImageRegistryContract,
  describeLogAggregatorContract,
  describeTaskExecutorContract,
  realRuntimeDriver,
} from '@taskport/contract-tests';
import {
  LocalBackendObservability,
  LocalExecutionStore,
  LocalImageRegistry,
  LocalLogAggregator,
  LocalTaskExecutor,
  SqliteBackendLogger,
} from '../src/index.js';
import { openLocalDatabase } from '../src/local-database.js';
import { isProcessAlive, signalProcessGroup } from '../src/process-identity.js';
import type { TaskRow } from '../src/task-table.js';
import { removeDataDir, tempDataDir } from './helpers.js';

// Real processes and a real SQLite file per test: the driver has nothing to play.

/**
 * The local provider's calls to its backend are SQL statements: every one is prepared (or exec'd) on a
 * node:sqlite connection, so counting those counts what reaches the database.
 */
let statements = 0;
for (const method of ['prepare', 'exec'] as const) {
  const original = DatabaseSync.prototype[method] as (this: DatabaseSync, sql: string) => unknown;
  (DatabaseSync.prototype as unknown as Record<string, unknown>)[method] = function (
    this: DatabaseSync,
    sql: string,
  ) {
    statements++;
    return original.call(this, sql);
  };
}
const providerCalls = () => statements;

/** Data directories of the runtime fixtures alive now, for `forget` to find a task's row in. */
const liveDataDirs = new Set<string>();

/**
 * The runtime is real, so there is nothing to play. Forgetting a task is what a wiped data directory
 * does to it: the processes it left are killed and its row is gone.
 */
const localDriver: ContractDriver & { forget: (executionId: string) => Promise<void> } = {
  ...realRuntimeDriver,
  async forget(executionId) {
    for (const dataDir of liveDataDirs) {
      const { db } = openLocalDatabase(dataDir);
      const row = db.prepare('SELECT * FROM tasks WHERE execution_id = ?').get(executionId) as
        | TaskRow
        | undefined;
      if (!row) continue;
      if (row.supervisor_pid !== null && isProcessAlive(row.supervisor_pid, row.supervisor_token)) {
        process.kill(row.supervisor_pid, 'SIGKILL');
      }
      if (row.task_pid !== null) signalProcessGroup(row.task_pid, row.task_token, 'SIGKILL');
      db.prepare('DELETE FROM tasks WHERE execution_id = ?').run(executionId);
      return;
    }
    throw new Error(`forget: no local task ${executionId} in the live fixtures`);
  },
};

async function runtimeFixture() {
  const dataDir = tempDataDir();
  liveDataDirs.add(dataDir);
  // A short grace period keeps kill tests quick; the escalation itself is tested in the unit tests.
  const executor = new LocalTaskExecutor({ dataDir, killGraceMs: 2000 });
  const image = await new LocalImageRegistry({ dataDir }).registerImage({
    image: 'alpine:3.20',
    registeredBy: 'contract@taskport.test',
  });
  // A small page makes streams cross page boundaries (the 100-line test reads 15 pages).
  const logs = new LocalLogAggregator({ dataDir, pageSize: 7 });
  return {
    executor,
    image,
    logs,
    providerCalls,
    cleanup: async () => {
      liveDataDirs.delete(dataDir);
      removeDataDir(dataDir);
    },
  };
}

describeTaskExecutorContract({
  name: 'local (real processes)',
  driver: localDriver,
  create: runtimeFixture,
  disable: {
    'a secret passed by reference reaches the task environment as its value':
      'the local provider has no secret store: secrets are plain values, covered by the secrets test',
  },
});

describeLogAggregatorContract({
  name: 'local (real processes)',
  driver: localDriver,
  create: runtimeFixture,
});

describeImageRegistryContract({
  name: 'local (sqlite)',
  create: async () => {
    const dataDir = tempDataDir();
    return {
      registry: new LocalImageRegistry({ dataDir }),
      providerCalls,
      cleanup: async () => removeDataDir(dataDir),
    };
  },
});

describeExecutionStoreContract({
  name: 'local (sqlite)',
  create: async () => {
    const dataDir = tempDataDir();
    return {
      store: new LocalExecutionStore({ dataDir }),
      providerCalls,
      cleanup: async () => removeDataDir(dataDir),
    };
  },
});

describeBackendObservabilityContract({
  name: 'local (sqlite)',
  create: async () => {
    const dataDir = tempDataDir();
    const logger = new SqliteBackendLogger({ dataDir, minLevel: 'debug' });
    return {
      observability: new LocalBackendObservability({ dataDir }),
      emit: async (entry) => logger.log(entry),
      providerCalls,
      cleanup: async () => removeDataDir(dataDir),
    };
  },
});
