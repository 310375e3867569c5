// The memory provider as a library user's fake: the Service over memory ports, the test playing the runtime.
import { type LogEvent, OrchestratorService } from '@taskport/core';
import { describe, expect, it } from 'vitest';
import {
  MemoryBackendLogger,
  MemoryBackendObservability,
  MemoryExecutionStore,
  MemoryImageRegistry,
  MemoryLogAggregator,
  MemoryTaskExecutor,
  MemoryWorld,
  memoryWorld,
  taskportProvider,
} from '../src/index.js';

function serviceOver(world: MemoryWorld) {
  const taskExecutor = new MemoryTaskExecutor(world);
  const service = new OrchestratorService({
    taskExecutor,
    imageRegistry: new MemoryImageRegistry(world),
    logAggregator: new MemoryLogAggregator(world),
    backendObservability: new MemoryBackendObservability(world),
    executionStore: new MemoryExecutionStore(world),
    logger: new MemoryBackendLogger(world),
  });
  return { service, taskExecutor };
}

describe('the memory world as a controllable runtime', () => {
  it('runs a command only as far as the test says, and the Service reports each step', async () => {
    const world = new MemoryWorld();
    const { service, taskExecutor } = serviceOver(world);
    const { execution } = await service.runCommand('ana@example.com', { command: ['make', 'test'] });
    const id = execution.executionId;
    expect(world.tasks.get(id)?.request.command).toEqual(['make', 'test']);
    expect((await service.getExecutionStatus(id)).status).toBe('STARTING');

    world.start(id);
    world.print(id, 'compiling');
    world.print(id, 'warning: unused', 'stderr');
    expect((await service.getExecutionStatus(id)).status).toBe('RUNNING');

    const followed: LogEvent[] = [];
    const following = (async () => {
      for await (const event of service.streamLogs(id, { follow: true })) followed.push(event);
    })();
    world.print(id, 'done');
    world.exit(id, 2);
    await following;
    expect(followed.map((event) => [event.stream, event.message])).toEqual([
      ['stdout', 'compiling'],
      ['stderr', 'warning: unused'],
      ['stdout', 'done'],
    ]);
    expect(await service.getExecutionStatus(id)).toMatchObject({
      status: 'FAILED',
      exitCode: 2,
      stopCode: 'EXITED',
    });
    // The Service's own lines are where `trace` reads them.
    const trace = await service.trace(execution.requestId);
    expect(trace.logs.length).toBeGreaterThan(0);
    taskExecutor.close();
  });

  it('enforces the timeout itself, like a platform with a native deadline, and close() clears the timer', async () => {
    const world = new MemoryWorld();
    const { service, taskExecutor } = serviceOver(world);
    const { execution } = await service.runCommand('ana@example.com', {
      command: 'sleep 60',
      timeoutSeconds: 1,
    });
    world.start(execution.executionId);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await service.getExecutionStatus(execution.executionId)).toMatchObject({
      status: 'FAILED',
      stopCode: 'TIMED_OUT',
    });
    const second = await service.runCommand('ana@example.com', { command: 'sleep 60', timeoutSeconds: 3600 });
    taskExecutor.close();
    const timers = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout');
    expect(timers).toHaveLength(0);
    expect(world.tasks.get(second.execution.executionId)?.state.status).toBe('STARTING');
  });

  it('counts provider calls, so a test can prove bad input made none', async () => {
    const world = new MemoryWorld();
    const { service } = serviceOver(world);
    await expect(service.runCommand('ana@example.com', { command: [] })).rejects.toThrow(/command/);
    await expect(
      new MemoryTaskExecutor(world).startTask('ana@example.com', {} as never, {
        signal: AbortSignal.abort(),
      }),
    ).rejects.toThrow();
    expect(world.calls.get('TaskExecutor.startTask') ?? 0).toBe(0);
  });

  it('shares one named world between the ports the provider builds', () => {
    const options = { world: `test-${Math.random()}` };
    const deps = { env: {} };
    const registry = taskportProvider.factories.imageRegistry!(options, deps);
    const store = taskportProvider.factories.executionStore!(options, deps);
    expect(registry).toBeInstanceOf(MemoryImageRegistry);
    expect(store).toBeInstanceOf(MemoryExecutionStore);
    expect((registry as unknown as { world: MemoryWorld }).world).toBe(memoryWorld(options.world));
    expect((store as unknown as { world: MemoryWorld }).world).toBe(memoryWorld(options.world));
  });
});
