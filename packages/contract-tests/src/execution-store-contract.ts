import {
  ALL_EXECUTION_STATUSES,
  ConflictError,
  canonicalImageConfig,
  type Execution,
  type ExecutionStatus,
  type ExecutionStatusUpdate,
  type ExecutionStore,
  FINAL_EXECUTION_STATUSES,
  type ListExecutionsQuery,
  NotFoundError,
  type TaskDescription,
  type TaskExecutor,
  toImageInfo,
  ValidationError,
} from '@taskport/core';
import { expect } from 'vitest';
import { defineContractSuite } from './contract-suite.js';
import { expectTaskportError } from './expect-error.js';
import { expectNoProviderCall } from './expect-no-provider-call.js';
import { randomId, randomToken } from './random-id.js';
import { serviceOver } from './service-harness.js';
import type { ExecutionStoreFixture, RequiresOrDisables, SuiteOptions } from './suite-options.js';

/** Every test of the ExecutionStore suite, in the order they run. */
export const EXECUTION_STORE_TESTS = [
  'create then get returns every field of the execution',
  'create with an existing execution id throws ConflictError',
  'get on an unknown execution id throws NotFoundError',
  'updateStatus moves STARTING to RUNNING and returns the updated record',
  'updateStatus moves RUNNING to SUCCEEDED and records the exit code',
  'updateStatus moves STARTING straight to SUCCEEDED for out-of-order events',
  'updateStatus moves TERMINATING to SUCCEEDED when a kill races a natural exit',
  'updateStatus on a final execution throws ConflictError',
  'updateStatus does not move a status backwards or to itself',
  'updateStatus on an unknown execution id throws NotFoundError',
  'concurrent conflicting final updates let exactly one win',
  'list returns executions newest first',
  'list returns 50 executions per page by default',
  'list cursor pagination visits every execution exactly once while new ones are inserted',
  'list filters by status',
  'list rejects an invalid limit or cursor with ValidationError',
  'findByIdempotencyKey returns the execution started with that key and null for an unknown key',
  'listByRequestId returns the executions created or last modified by the request',
  'listByRequestId lists an execution for every request that changed it, not only the last',
  'idempotency keys are scoped per user: the same key of another user is another record',
  'create with an idempotency key the user already used throws ConflictError naming the first execution',
  'concurrent creates with one idempotency key of one user let exactly one win',
  'through the Service, a repeated key returns the first execution and a different request is a ConflictError',
  'every method rejects an already-aborted signal without a provider call',
  'delete removes a record from get, list and the request index, frees its idempotency key, and an unknown id is NotFoundError',
] as const;
export type ExecutionStoreTestName = (typeof EXECUTION_STORE_TESTS)[number];

/** The tests that need `fixture.providerCalls` (or must be disabled). */
export const EXECUTION_STORE_TESTS_NEEDING_PROVIDER_CALLS = [
  'every method rejects an already-aborted signal without a provider call',
] as const satisfies readonly ExecutionStoreTestName[];

/**
 * Options of `describeExecutionStoreContract`. Tests only look at the records they created (ids carry a
 * random prefix), so a store shared with other data still passes; list order and pagination are checked
 * over a test's own records, so give each test a fresh store where you can (a fresh table or file).
 */
export type ExecutionStoreContractOptions = SuiteOptions<ExecutionStoreFixture, ExecutionStoreTestName> &
  RequiresOrDisables<
    ExecutionStoreFixture,
    'providerCalls',
    (typeof EXECUTION_STORE_TESTS_NEEDING_PROVIDER_CALLS)[number],
    ExecutionStoreTestName
  >;

const OTHER_USER = 'other-contract@taskport.test';

/** Builds the records of one test: ids share a random prefix; `createdAt` goes up by a second per record. */
class Records {
  readonly prefix = randomId('contract-exec');
  private count = 0;
  private readonly base = Date.now() - 3_600_000;

  make(overrides: Partial<Execution> = {}): Execution {
    const n = this.count++;
    return {
      executionId: `${this.prefix}-${String(n).padStart(3, '0')}`,
      status: 'RUNNING',
      command: ['/bin/echo', 'hello world'],
      imageId: 'alpine:3.20-0123abcd',
      image: 'alpine:3.20',
      createdBy: 'contract@taskport.test',
      executor: 'contract',
      createdAt: new Date(this.base + n * 1000).toISOString(),
      exitCode: null,
      requestId: `req-${randomToken()}`,
      labels: { suite: 'contract' },
      envKeys: ['GREETING'],
      env: { GREETING: 'hello' },
      ...overrides,
    };
  }

  async create(store: ExecutionStore, overrides: Partial<Execution> = {}): Promise<Execution> {
    const record = this.make(overrides);
    await store.create(record);
    return record;
  }

  mine(items: readonly Execution[]): Execution[] {
    return items.filter((item) => item.executionId.startsWith(`${this.prefix}-`));
  }
}

/** Follows cursors to the end (bounded) and returns every item, in page order. */
async function listAll(store: ExecutionStore, query: ListExecutionsQuery = {}): Promise<Execution[]> {
  const items: Execution[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const result = await store.list({ ...query, ...(cursor ? { cursor } : {}) });
    items.push(...result.items);
    if (!result.nextCursor) return items;
    cursor = result.nextCursor;
  }
  throw new Error('list kept returning a nextCursor after 1000 pages');
}

const ids = (items: readonly Execution[]) => items.map((item) => item.executionId);
const newestFirst = (items: readonly Execution[]) =>
  ids([...items].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt)));
const now = () => new Date().toISOString();

/**
 * The ExecutionStore contract: round trip, conditional status updates (also under concurrency),
 * newest-first cursor pagination that stays stable while rows are inserted, filters and lookups.
 */
export function describeExecutionStoreContract(options: ExecutionStoreContractOptions): void {
  defineContractSuite<ExecutionStoreFixture, ExecutionStoreTestName>(
    'ExecutionStore',
    options,
    EXECUTION_STORE_TESTS,
    {
      'create then get returns every field of the execution': async ({ fixture: { store } }) => {
        const records = new Records();
        const full = records.make({
          status: 'FAILED',
          command: `printf '%s\\n' "it's \\"quoted\\"" && exit 3`,
          startedAt: '2026-01-02T03:04:05.678Z',
          completedAt: '2026-01-02T03:05:06.789Z',
          exitCode: 3,
          stopCode: 'EXITED',
          reason: 'Essential container exited',
          modifiedByRequestId: `req-${randomToken()}`,
          labels: { team: 'data', 'app.kubernetes.io/name': 'etl' },
          envKeys: ['A', 'B', 'SECRET_TOKEN'],
          env: { A: '1', B: 'two words' },
          timeoutSeconds: 600,
          idempotencyKey: randomId('contract-key'),
          requestFingerprint: `sha256:${'0f'.repeat(32)}`,
        });
        const minimal: Execution = {
          executionId: `${records.prefix}-minimal`,
          status: 'STARTING',
          command: 'echo hi',
          imageId: 'ghcr.io/acme/app:1-89abcdef',
          image: 'ghcr.io/acme/app:1',
          createdBy: 'someone',
          executor: 'local',
          createdAt: '2026-01-02T03:04:05.000Z',
          exitCode: null,
          requestId: `req-${randomToken()}`,
          labels: {},
          envKeys: [],
          env: {},
        };
        await store.create(full);
        await store.create(minimal);
        expect(await store.get(full.executionId)).toEqual(full);
        const readMinimal = await store.get(minimal.executionId);
        expect(readMinimal).toEqual(minimal);
        expect(readMinimal.exitCode).toBeNull();
      },

      'create with an existing execution id throws ConflictError': async ({ fixture: { store } }) => {
        const records = new Records();
        const original = await records.create(store);
        await expectTaskportError(
          store.create({ ...original, status: 'SUCCEEDED', exitCode: 0, createdBy: 'intruder' }),
          ConflictError,
          'create with a duplicate id',
        );
        expect(await store.get(original.executionId)).toEqual(original);
      },

      'get on an unknown execution id throws NotFoundError': async ({ fixture: { store } }) => {
        await expectTaskportError(store.get(randomId('contract-unknown')), NotFoundError, 'get');
      },

      'updateStatus moves STARTING to RUNNING and returns the updated record': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const record = await records.create(store, { status: 'STARTING' });
        const update: ExecutionStatusUpdate = {
          status: 'RUNNING',
          startedAt: now(),
          requestId: `req-${randomToken()}`,
        };
        const updated = await store.updateStatus(record.executionId, update);
        expect(updated).toMatchObject({
          ...record,
          status: 'RUNNING',
          startedAt: update.startedAt,
          modifiedByRequestId: update.requestId,
        });
        expect(updated.requestId).toBe(record.requestId);
        expect(await store.get(record.executionId)).toEqual(updated);
      },

      'updateStatus moves RUNNING to SUCCEEDED and records the exit code': async ({ fixture: { store } }) => {
        const records = new Records();
        const record = await records.create(store, { status: 'RUNNING', startedAt: now() });
        const completedAt = now();
        const updated = await store.updateStatus(record.executionId, {
          status: 'SUCCEEDED',
          exitCode: 0,
          stopCode: 'EXITED',
          completedAt,
        });
        expect(updated).toMatchObject({ status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED', completedAt });
        expect(updated.startedAt).toBe(record.startedAt);
        expect(await store.get(record.executionId)).toEqual(updated);
      },

      'updateStatus moves STARTING straight to SUCCEEDED for out-of-order events': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const record = await records.create(store, { status: 'STARTING' });
        const updated = await store.updateStatus(record.executionId, { status: 'SUCCEEDED', exitCode: 0 });
        expect(updated).toMatchObject({ status: 'SUCCEEDED', exitCode: 0 });
        expect((await store.get(record.executionId)).status).toBe('SUCCEEDED');
      },

      'updateStatus moves TERMINATING to SUCCEEDED when a kill races a natural exit': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const record = await records.create(store, { status: 'TERMINATING' });
        const updated = await store.updateStatus(record.executionId, { status: 'SUCCEEDED', exitCode: 0 });
        expect(updated.status).toBe('SUCCEEDED');
        expect((await store.get(record.executionId)).status).toBe('SUCCEEDED');
      },

      'updateStatus on a final execution throws ConflictError': async ({ fixture: { store } }) => {
        const records = new Records();
        for (const status of FINAL_EXECUTION_STATUSES) {
          const record = await records.create(store, {
            status,
            exitCode: status === 'SUCCEEDED' ? 0 : 1,
            completedAt: now(),
          });
          for (const target of ALL_EXECUTION_STATUSES) {
            const error = await expectTaskportError(
              store.updateStatus(record.executionId, { status: target, exitCode: 9 }),
              ConflictError,
              `updateStatus ${status} -> ${target}`,
            );
            expect(error.message, 'the message names the current status').toContain(status);
          }
          expect(await store.get(record.executionId)).toEqual(record);
        }
      },

      'updateStatus does not move a status backwards or to itself': async ({ fixture: { store } }) => {
        const records = new Records();
        const moves: Array<[ExecutionStatus, ExecutionStatus]> = [
          ['RUNNING', 'STARTING'],
          ['TERMINATING', 'RUNNING'],
          ['TERMINATING', 'STARTING'],
          ['RUNNING', 'RUNNING'],
        ];
        for (const [from, to] of moves) {
          const record = await records.create(store, { status: from });
          await expectTaskportError(
            store.updateStatus(record.executionId, { status: to }),
            ConflictError,
            `updateStatus ${from} -> ${to}`,
          );
          expect((await store.get(record.executionId)).status).toBe(from);
        }
      },

      'updateStatus on an unknown execution id throws NotFoundError': async ({ fixture: { store } }) => {
        await expectTaskportError(
          store.updateStatus(randomId('contract-unknown'), { status: 'RUNNING' }),
          NotFoundError,
          'updateStatus',
        );
      },

      'concurrent conflicting final updates let exactly one win': async ({ fixture: { store } }) => {
        const records = new Records();
        const contenders: ExecutionStatusUpdate[] = [
          { status: 'SUCCEEDED', exitCode: 0, stopCode: 'EXITED' },
          { status: 'FAILED', exitCode: 1, stopCode: 'EXITED' },
          { status: 'STOPPED', exitCode: 137, stopCode: 'USER_INITIATED' },
        ];
        for (let round = 0; round < 5; round++) {
          const record = await records.create(store, { status: round % 2 === 0 ? 'RUNNING' : 'TERMINATING' });
          const outcomes = await Promise.allSettled(
            contenders.map((update) => store.updateStatus(record.executionId, update)),
          );
          const winners = outcomes.flatMap((outcome) =>
            outcome.status === 'fulfilled' ? [outcome.value] : [],
          );
          expect(winners, `round ${round}: exactly one update wins`).toHaveLength(1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') {
              expect(ConflictError.isInstance(outcome.reason), String(outcome.reason)).toBe(true);
            }
          }
          const stored = await store.get(record.executionId);
          expect(stored.status).toBe(winners[0]!.status);
          expect(stored.exitCode).toBe(winners[0]!.exitCode);
        }
      },

      'list returns executions newest first': async ({ fixture: { store } }) => {
        const records = new Records();
        const made = [0, 1, 2, 3, 4].map(() => records.make());
        // Inserted out of order: the order must come from createdAt, not insertion.
        for (const index of [2, 0, 4, 1, 3]) await store.create(made[index]!);
        const listed = records.mine(await listAll(store, { limit: 1000 }));
        expect(ids(listed)).toEqual(newestFirst(made));
        expect(listed[0]).toEqual(made[4]);
      },

      'list returns 50 executions per page by default': async ({ fixture: { store } }) => {
        const records = new Records();
        for (let i = 0; i < 55; i++) await records.create(store);
        const page = await store.list();
        expect(page.items).toHaveLength(50);
        expect(page.nextCursor).toBeDefined();
      },

      'list cursor pagination visits every execution exactly once while new ones are inserted': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const originals: Execution[] = [];
        for (let i = 0; i < 8; i++) originals.push(await records.create(store));
        const inserted: Execution[] = [];
        const seen: Execution[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.list({ limit: 3, ...(cursor ? { cursor } : {}) });
          expect(page.items.length).toBeLessThanOrEqual(3);
          seen.push(...page.items);
          cursor = page.nextCursor;
          // Between pages: one record newer than everything (before the cursor, so it may not show up)
          // and one older than everything (after the cursor, so it may).
          inserted.push(
            await records.create(store, { createdAt: new Date(Date.now() + pages * 10).toISOString() }),
          );
          inserted.push(
            await records.create(store, {
              createdAt: new Date(Date.parse(originals[0]!.createdAt) - 60_000 - pages).toISOString(),
            }),
          );
          pages++;
          expect(pages, 'pagination should end').toBeLessThan(500);
        } while (cursor);

        const mine = records.mine(seen);
        const counts = new Map<string, number>();
        for (const id of ids(mine)) counts.set(id, (counts.get(id) ?? 0) + 1);
        const repeated = [...counts].filter(([, count]) => count > 1).map(([id]) => id);
        expect(repeated, 'executions listed more than once').toEqual([]);
        const missing = ids(originals).filter((id) => !counts.has(id));
        expect(missing, 'executions that existed before the first page but were never listed').toEqual([]);
        expect(ids(mine), 'pages continue newest first').toEqual(newestFirst(mine));
        expect(pages).toBeGreaterThanOrEqual(3);
      },

      'list filters by status': async ({ fixture: { store } }) => {
        const records = new Records();
        const statuses: ExecutionStatus[] = [
          'STARTING',
          'RUNNING',
          'RUNNING',
          'SUCCEEDED',
          'FAILED',
          'STOPPED',
          'RUNNING',
        ];
        const made: Execution[] = [];
        for (const status of statuses) made.push(await records.create(store, { status }));
        const expectFilter = async (filter: ExecutionStatus[]) => {
          const listed = await listAll(store, { status: filter, limit: 2 });
          expect(
            listed.every((item) => filter.includes(item.status)),
            `only ${filter.join(', ')}`,
          ).toBe(true);
          expect(ids(records.mine(listed))).toEqual(
            newestFirst(made.filter((item) => filter.includes(item.status))),
          );
        };
        await expectFilter(['RUNNING']);
        await expectFilter(['SUCCEEDED', 'FAILED']);
        await expectFilter(['STARTING', 'STOPPED', 'TERMINATING']);
      },

      'list rejects an invalid limit or cursor with ValidationError': async ({ fixture: { store } }) => {
        const records = new Records();
        await records.create(store);
        for (const limit of [0, -1, 1001, 2.5, Number.NaN]) {
          await expectTaskportError(store.list({ limit }), ValidationError, `list with limit ${limit}`);
        }
        for (const cursor of ['not a cursor', '%%%', 'Zm9vYmFy']) {
          await expectTaskportError(store.list({ cursor }), ValidationError, `list with cursor "${cursor}"`);
        }
        // The bounds themselves are fine.
        await store.list({ limit: 1 });
        await store.list({ limit: 1000 });
      },

      'findByIdempotencyKey returns the execution started with that key and null for an unknown key': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const idempotencyKey = randomId('contract-key');
        await records.create(store);
        const keyed = await records.create(store, { idempotencyKey });
        await records.create(store, { idempotencyKey: randomId('contract-key') });
        expect(await store.findByIdempotencyKey(keyed.createdBy, idempotencyKey)).toEqual(keyed);
        expect(await store.findByIdempotencyKey(keyed.createdBy, randomId('contract-key'))).toBeNull();
        expect(await store.findByIdempotencyKey(OTHER_USER, idempotencyKey)).toBeNull();
      },

      'delete removes a record from get, list and the request index, frees its idempotency key, and an unknown id is NotFoundError':
        async ({ fixture: { store } }) => {
          if (!store.delete) {
            throw new Error(
              `[contract-tests] ExecutionStore: ${store.provider} has no delete (retention); disable "delete removes a record from get, list and the request index, frees its idempotency key, and an unknown id is NotFoundError" with that reason`,
            );
          }
          const records = new Records();
          const idempotencyKey = randomId('contract-key');
          const request = `req-${randomToken()}`;
          const gone = await records.create(store, { idempotencyKey, status: 'RUNNING' });
          await store.updateStatus(gone.executionId, {
            status: 'SUCCEEDED',
            exitCode: 0,
            requestId: request,
          });
          const kept = await records.create(store, { status: 'SUCCEEDED', exitCode: 0, requestId: request });
          await store.delete(gone.executionId);
          await expectTaskportError(store.get(gone.executionId), NotFoundError, 'get of a deleted record');
          expect(ids(records.mine(await listAll(store)))).toEqual([kept.executionId]);
          expect(ids(await store.listByRequestId(request))).toEqual([kept.executionId]);
          // The key is free again: a new record may claim it.
          expect(await store.findByIdempotencyKey(gone.createdBy, idempotencyKey)).toBeNull();
          const again = await records.create(store, { idempotencyKey });
          expect((await store.findByIdempotencyKey(gone.createdBy, idempotencyKey))?.executionId).toBe(
            again.executionId,
          );
          await expectTaskportError(
            store.delete(gone.executionId),
            NotFoundError,
            'delete of a deleted record',
          );
          await expectTaskportError(
            store.delete(randomId('contract-unknown')),
            NotFoundError,
            'delete of an unknown id',
          );
        },

      'listByRequestId returns the executions created or last modified by the request': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const requestA = `req-${randomToken()}`;
        const requestB = `req-${randomToken()}`;
        const createdByA = await records.create(store, { requestId: requestA, status: 'STARTING' });
        const modifiedByA = await records.create(store, { requestId: requestB, status: 'RUNNING' });
        const onlyB = await records.create(store, { requestId: requestB, status: 'RUNNING' });
        await store.updateStatus(modifiedByA.executionId, { status: 'TERMINATING', requestId: requestA });

        const forA = await store.listByRequestId(requestA);
        expect(ids(forA).sort()).toEqual([createdByA.executionId, modifiedByA.executionId].sort());
        const forB = await store.listByRequestId(requestB);
        expect(ids(forB).sort()).toEqual([modifiedByA.executionId, onlyB.executionId].sort());
        expect(await store.listByRequestId(`req-${randomToken()}`)).toEqual([]);
      },

      'listByRequestId lists an execution for every request that changed it, not only the last': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const [creator, starter, finisher] = [1, 2, 3].map(() => `req-${randomToken()}`);
        const record = await records.create(store, { requestId: creator!, status: 'STARTING' });
        await store.updateStatus(record.executionId, { status: 'RUNNING', requestId: starter! });
        const final = await store.updateStatus(record.executionId, {
          status: 'SUCCEEDED',
          exitCode: 0,
          requestId: finisher!,
        });
        expect(final.modifiedByRequestId).toBe(finisher);
        for (const requestId of [creator!, starter!, finisher!]) {
          expect(ids(await store.listByRequestId(requestId)), `request ${requestId}`).toEqual([
            record.executionId,
          ]);
        }
        // What is listed is the record as it is now.
        expect(await store.listByRequestId(starter!)).toEqual([final]);
      },

      'idempotency keys are scoped per user: the same key of another user is another record': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        const idempotencyKey = randomId('contract-key');
        const mine = await records.create(store, { idempotencyKey });
        const theirs = await records.create(store, { idempotencyKey, createdBy: OTHER_USER });
        expect(await store.findByIdempotencyKey(mine.createdBy, idempotencyKey)).toEqual(mine);
        expect(await store.findByIdempotencyKey(OTHER_USER, idempotencyKey)).toEqual(theirs);
      },

      'create with an idempotency key the user already used throws ConflictError naming the first execution':
        async ({ fixture: { store } }) => {
          const records = new Records();
          const idempotencyKey = randomId('contract-key');
          const first = await records.create(store, {
            idempotencyKey,
            requestFingerprint: `sha256:${'1a'.repeat(32)}`,
          });
          const second = records.make({ idempotencyKey, requestFingerprint: `sha256:${'2b'.repeat(32)}` });
          const error = await expectTaskportError(
            store.create(second),
            ConflictError,
            'create with a used idempotency key',
          );
          expect(error.message, 'the message names the execution that has the key').toContain(
            first.executionId,
          );
          await expectTaskportError(
            store.get(second.executionId),
            NotFoundError,
            'get of the refused record',
          );
          expect(await store.findByIdempotencyKey(first.createdBy, idempotencyKey)).toEqual(first);
        },

      'concurrent creates with one idempotency key of one user let exactly one win': async ({
        fixture: { store },
      }) => {
        const records = new Records();
        for (let round = 0; round < 3; round++) {
          const idempotencyKey = randomId('contract-key');
          const contenders = [0, 1, 2, 3].map(() => records.make({ idempotencyKey }));
          const outcomes = await Promise.allSettled(contenders.map((record) => store.create(record)));
          const won = contenders.filter((_, i) => outcomes[i]!.status === 'fulfilled');
          expect(won, `round ${round}: exactly one create wins`).toHaveLength(1);
          for (const outcome of outcomes) {
            if (outcome.status === 'rejected') {
              expect(ConflictError.isInstance(outcome.reason), String(outcome.reason)).toBe(true);
            }
          }
          expect(await store.findByIdempotencyKey(won[0]!.createdBy, idempotencyKey)).toEqual(won[0]);
        }
      },

      'through the Service, a repeated key returns the first execution and a different request is a ConflictError':
        async ({ fixture: { store } }) => {
          const executor = new CountingExecutor();
          const image = toImageInfo(
            canonicalImageConfig({ image: 'ghcr.io/contract/app:1', registeredBy: 'contract@taskport.test' }),
          );
          const service = serviceOver({ executor, image, store });
          const idempotencyKey = randomId('contract-key');
          const request = { command: ['echo', 'one'], env: { A: '1' }, labels: { t: 'x' }, idempotencyKey };
          const first = await service.runCommand('contract@taskport.test', request);
          const stored = await store.get(first.execution.executionId);
          expect(stored.requestFingerprint, 'the store keeps the request fingerprint').toMatch(/^sha256:/);
          const again = await service.runCommand('contract@taskport.test', request);
          expect(again.reused).toBe(true);
          expect(again.execution).toEqual(stored);
          const error = await expectTaskportError(
            service.runCommand('contract@taskport.test', { ...request, command: ['echo', 'two'] }),
            ConflictError,
            'runCommand with a used key and another command',
          );
          expect(error.message).toContain(first.execution.executionId);
          expect(error.message).toContain('the command');
          // Another user's key is another key.
          const theirs = await service.runCommand(OTHER_USER, request);
          expect(theirs.reused).toBe(false);
          expect(executor.starts).toBe(2);
        },

      'every method rejects an already-aborted signal without a provider call': async ({ fixture }) => {
        const { store } = fixture;
        const calls = fixture.providerCalls;
        if (!calls) {
          throw new Error(
            '[contract-tests] ExecutionStore: this test counts provider calls, but the fixture has no `providerCalls`; add one, or disable the test with a reason',
          );
        }
        const records = new Records();
        const record = await records.create(store, { idempotencyKey: randomId('contract-key') });
        const controller = new AbortController();
        controller.abort(new Error('contract test aborted this call before it began'));
        const signal = controller.signal;
        await expectNoProviderCall(calls, 'create', () => store.create(records.make(), { signal }));
        await expectNoProviderCall(calls, 'get', () => store.get(record.executionId, { signal }));
        await expectNoProviderCall(calls, 'updateStatus', () =>
          store.updateStatus(record.executionId, { status: 'SUCCEEDED', exitCode: 0 }, { signal }),
        );
        await expectNoProviderCall(calls, 'list', () => store.list({ signal }));
        await expectNoProviderCall(calls, 'findByIdempotencyKey', () =>
          store.findByIdempotencyKey(record.createdBy, record.idempotencyKey!, { signal }),
        );
        await expectNoProviderCall(calls, 'listByRequestId', () =>
          store.listByRequestId(record.requestId, { signal }),
        );
        expect(await store.get(record.executionId)).toEqual(record);
      },
    },
  );
}

/** Starts nothing anywhere: counts starts and hands out fresh ids, for the Service-level case. */
class CountingExecutor implements TaskExecutor {
  readonly provider = 'contract';
  readonly capabilities = {
    killWhileStarting: true,
    nativeTimeout: true,
    runsImages: true,
    workingDir: false,
    stdin: false,
    stopSignal: false,
    stopGracePeriod: false,
  };
  starts = 0;
  async startTask() {
    this.starts++;
    return { executionId: randomId('contract-exec-svc'), createdAt: new Date().toISOString() };
  }
  async killTask() {}
  async describeTask(): Promise<TaskDescription> {
    return { status: 'RUNNING', exitCode: null };
  }
}
