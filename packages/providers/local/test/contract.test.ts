import {
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
import { removeDataDir, tempDataDir } from './helpers.js';

// Real processes and a real SQLite file per test: the driver has nothing to play.

async function runtimeFixture() {
  const dataDir = tempDataDir();
  // A short grace period keeps kill tests quick; the escalation itself is tested in the unit tests.
  const executor = new LocalTaskExecutor({ dataDir, killGraceMs: 2000 });
  const image = await new LocalImageRegistry({ dataDir }).registerImage({
    image: 'alpine:3.20',
    registeredBy: 'contract@taskport.test',
  });
  // A small page makes streams cross page boundaries (the 100-line test reads 15 pages).
  const logs = new LocalLogAggregator({ dataDir, pageSize: 7 });
  return { executor, image, logs, cleanup: async () => removeDataDir(dataDir) };
}

describeTaskExecutorContract({
  name: 'local (real processes)',
  driver: realRuntimeDriver,
  create: runtimeFixture,
});

describeLogAggregatorContract({
  name: 'local (real processes)',
  driver: realRuntimeDriver,
  create: runtimeFixture,
});

describeImageRegistryContract({
  name: 'local (sqlite)',
  create: async () => {
    const dataDir = tempDataDir();
    return { registry: new LocalImageRegistry({ dataDir }), cleanup: async () => removeDataDir(dataDir) };
  },
});

describeExecutionStoreContract({
  name: 'local (sqlite)',
  create: async () => {
    const dataDir = tempDataDir();
    return { store: new LocalExecutionStore({ dataDir }), cleanup: async () => removeDataDir(dataDir) };
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
      cleanup: async () => removeDataDir(dataDir),
    };
  },
});
