import { createHash } from 'node:crypto';
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import {
  ConflictError,
  type Execution,
  type ExecutionPage,
  type ExecutionStatusUpdate,
  type ExecutionStore,
  isExecutionStatus,
  type ListExecutionsQuery,
  NotFoundError,
  type OperationOptions,
  statusesThatMayBecome,
  TaskportError,
  ValidationError,
} from '@taskport/core';
import { AwsClientSource, awsClients } from './aws-clients.js';
import { awsCall, errorName, PROVIDER } from './aws-errors.js';
import type { AwsClients, AwsOptions } from './aws-options.js';
import { marshal, marshalItem, unmarshalItem } from './dynamodb-codec.js';
import { allItems } from './dynamodb-pages.js';

/** GSI: every execution under one constant key, sorted by `createdKey` (`<createdAt ISO>#<executionId>`). */
export const EXECUTIONS_BY_CREATED_INDEX = 'by-created';
export const EXECUTIONS_BY_IDEMPOTENCY_KEY_INDEX = 'by-idempotency-key';
export const EXECUTIONS_BY_REQUEST_INDEX = 'by-request';
export const EXECUTIONS_BY_MODIFIED_REQUEST_INDEX = 'by-modified-request';
const ALL = 'all';
/**
 * The ids of every request that changed a record (a string set, added to by each status update that
 * carries one), so removing the record can remove each of their link items too.
 */
const LINKED_REQUESTS = '_linkedRequests';
const INTERNAL = ['_all', 'createdKey', LINKED_REQUESTS] as const;

/**
 * Items of the table that are not execution records carry `_kind` and an `executionId` key starting with
 * `#` (which execution ids may not): an idempotency key's claim, and a request's link to a record it
 * changed. Neither has `_all`, so neither shows up in listings.
 */
const KIND = '_kind';
const RESERVED_PREFIX = '#';

/** The item that claims (user, key) for one execution: created in the same transaction as the record. */
function idempotencyClaimKey(createdBy: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${createdBy}\n${idempotencyKey}`).digest('hex');
  return `${RESERVED_PREFIX}idem#${digest}`;
}

/** The item that links a request to a record it changed (found through the `by-request` index). */
function requestLinkKey(requestId: string, executionId: string): string {
  return `${RESERVED_PREFIX}req#${requestId}#${executionId}`;
}

/**
 * Execution records in DynamoDB. Creates are conditional on the id being new, and - with an idempotency
 * key - written in one transaction with the claim item of (user, key), so a key is used once per user.
 * Status updates are one conditional update (`#status IN (<statuses that may become the target>)`), never
 * read-check-write; one that carries a request id writes, in the same transaction, that request's link
 * item, so `listByRequestId` finds every request that changed a record (not only the last).
 * Listing queries a GSI newest first; the cursor is the sort key of the last item returned, so rows inserted
 * meanwhile (which are newer) never shift a page.
 */
export class DynamoDbExecutionStore implements ExecutionStore {
  readonly provider = PROVIDER;
  private readonly clients: AwsClientSource;

  constructor(
    private readonly options: AwsOptions,
    clients?: Partial<AwsClients> | AwsClientSource,
  ) {
    this.clients = clients instanceof AwsClientSource ? clients : awsClients(options, clients);
  }

  async create(execution: Execution, options: OperationOptions = {}): Promise<void> {
    const operation = 'ExecutionStore.create';
    if (!execution || typeof execution.executionId !== 'string' || execution.executionId === '') {
      throw new ValidationError('an execution with an executionId is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'executionId' },
      });
    }
    if (!isExecutionStatus(execution.status)) {
      throw new ValidationError(`status "${String(execution.status)}" is not an execution status`, {
        provider: PROVIDER,
        operation,
        details: { field: 'status' },
      });
    }
    if (execution.executionId.startsWith(RESERVED_PREFIX)) {
      throw new ValidationError(
        `execution ids may not start with "${RESERVED_PREFIX}" (reserved by this store)`,
        {
          provider: PROVIDER,
          operation,
          details: { field: 'executionId' },
        },
      );
    }
    const createdAt = isoOrFail(execution.createdAt, 'createdAt', operation);
    const record = {
      TableName: this.options.executionsTable,
      Item: marshalItem({ ...execution, _all: ALL, createdKey: `${createdAt}#${execution.executionId}` }),
      ConditionExpression: 'attribute_not_exists(executionId)',
    };
    const exists = (cause: unknown) =>
      new ConflictError(`an execution with id ${execution.executionId} already exists`, {
        provider: PROVIDER,
        operation,
        cause,
      });
    if (!execution.idempotencyKey) {
      await this.call(operation, options.signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) => client.send(new sdk.PutItemCommand(record), { abortSignal })),
      ).catch((error) => {
        throw ConflictError.isInstance(error) ? exists(error) : error;
      });
      return;
    }
    const claim = idempotencyClaimKey(execution.createdBy, execution.idempotencyKey);
    try {
      await this.call(operation, options.signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) =>
          client.send(
            new sdk.TransactWriteItemsCommand({
              TransactItems: [
                { Put: record },
                {
                  Put: {
                    TableName: this.options.executionsTable,
                    Item: marshalItem({
                      executionId: claim,
                      [KIND]: 'idempotency',
                      linkedExecutionId: execution.executionId,
                    }),
                    ConditionExpression: 'attribute_not_exists(executionId)',
                  },
                },
              ],
            }),
            { abortSignal },
          ),
        ),
      );
    } catch (error) {
      if (!ConflictError.isInstance(error)) throw error;
      const [recordReason, claimReason] = cancellationReasons(error);
      if (recordReason === 'ConditionalCheckFailed' || claimReason !== 'ConditionalCheckFailed') {
        throw exists(error);
      }
      const holder = await this.getRaw(claim, operation, options.signal);
      const existingExecutionId = holder?.linkedExecutionId?.S ?? 'unknown';
      throw new ConflictError(
        `${execution.createdBy} already used idempotency key ${execution.idempotencyKey} for execution ${existingExecutionId}`,
        { provider: PROVIDER, operation, cause: error, details: { existingExecutionId } },
      );
    }
  }

  async get(executionId: string, options: OperationOptions = {}): Promise<Execution> {
    const operation = 'ExecutionStore.get';
    const item = await this.getItem(executionId, operation, options.signal);
    if (!item) throw new NotFoundError(`no execution ${executionId}`, { provider: PROVIDER, operation });
    return item;
  }

  async updateStatus(
    executionId: string,
    update: ExecutionStatusUpdate,
    options: OperationOptions = {},
  ): Promise<Execution> {
    const operation = 'ExecutionStore.updateStatus';
    const { signal } = options;
    if (!update || !isExecutionStatus(update.status)) {
      throw new ValidationError(`status "${String(update?.status)}" is not an execution status`, {
        provider: PROVIDER,
        operation,
        details: { field: 'status' },
      });
    }
    checkId(executionId, operation);
    const from = statusesThatMayBecome(update.status);
    const sets: string[] = ['#status = :to'];
    const values: Record<string, AttributeValue> = { ':to': { S: update.status } };
    const fields: [keyof ExecutionStatusUpdate, string][] = [
      ['exitCode', 'exitCode'],
      ['stopCode', 'stopCode'],
      ['reason', 'reason'],
      ['startedAt', 'startedAt'],
      ['completedAt', 'completedAt'],
      ['requestId', 'modifiedByRequestId'],
    ];
    for (const [field, attribute] of fields) {
      const value = update[field];
      if (value === undefined) continue;
      sets.push(`${attribute} = :${attribute}`);
      values[`:${attribute}`] = marshal(value);
    }
    if (update.requestId !== undefined) values[':linked'] = { SS: [update.requestId] };
    from.forEach((status, i) => {
      values[`:from${i}`] = { S: status };
    });
    const condition = from.length
      ? `attribute_exists(executionId) AND attribute_not_exists(${KIND}) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`
      : 'attribute_not_exists(executionId) AND attribute_exists(executionId)';
    const items: TransactWriteItem[] = [
      {
        Update: {
          TableName: this.options.executionsTable,
          Key: { executionId: { S: executionId } },
          UpdateExpression: `SET ${sets.join(', ')}${update.requestId !== undefined ? ' ADD #linked :linked' : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(update.requestId !== undefined ? { '#linked': LINKED_REQUESTS } : {}),
          },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    if (update.requestId !== undefined) {
      items.push({
        Put: {
          TableName: this.options.executionsTable,
          Item: marshalItem({
            executionId: requestLinkKey(update.requestId, executionId),
            [KIND]: 'request',
            requestId: update.requestId,
            linkedExecutionId: executionId,
          }),
        },
      });
    }
    try {
      await this.call(operation, signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) =>
          client.send(new sdk.TransactWriteItemsCommand({ TransactItems: items }), { abortSignal }),
        ),
      );
    } catch (error) {
      const [reason] = cancellationReasons(error);
      if (!ConflictError.isInstance(error) || reason !== 'ConditionalCheckFailed') throw error;
      const current = await this.getItem(executionId, operation, signal);
      if (!current)
        throw new NotFoundError(`no execution ${executionId}`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      throw new ConflictError(
        `execution ${executionId} is ${current.status} and cannot move to ${update.status}`,
        {
          provider: PROVIDER,
          operation,
          cause: error,
          details: { current: current.status, requested: update.status },
        },
      );
    }
    // Transactions return no attributes: read the record back (consistently).
    const updated = await this.getItem(executionId, operation, signal);
    if (!updated) throw new NotFoundError(`no execution ${executionId}`, { provider: PROVIDER, operation });
    return updated;
  }

  async list(query: ListExecutionsQuery = {}): Promise<ExecutionPage> {
    const operation = 'ExecutionStore.list';
    const limit = query.limit ?? 50;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new ValidationError(`limit must be a whole number from 1 to 1000, got ${String(limit)}`, {
        provider: PROVIDER,
        operation,
        details: { field: 'limit' },
      });
    }
    const statuses = query.status ?? [];
    if (!Array.isArray(statuses)) {
      throw new ValidationError('status must be a list of execution statuses', {
        provider: PROVIDER,
        operation,
        details: { field: 'status' },
      });
    }
    for (const status of statuses) {
      if (!isExecutionStatus(status)) {
        throw new ValidationError(`status "${String(status)}" is not an execution status`, {
          provider: PROVIDER,
          operation,
          details: { field: 'status' },
        });
      }
    }
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, operation);
    const values: Record<string, AttributeValue> = { ':all': { S: ALL } };
    let keyCondition = '#all = :all';
    if (after) {
      keyCondition += ' AND createdKey < :after';
      values[':after'] = { S: after };
    }
    statuses.forEach((status, i) => {
      values[`:s${i}`] = { S: status };
    });
    const names: Record<string, string> = {
      '#all': '_all',
      ...(statuses.length ? { '#status': 'status' } : {}),
    };
    const filters: string[] = statuses.length
      ? [`#status IN (${statuses.map((_, i) => `:s${i}`).join(', ')})`]
      : [];
    if (query.idPrefix !== undefined && query.idPrefix !== '') {
      names['#id'] = 'executionId';
      values[':idPrefix'] = { S: query.idPrefix };
      filters.push('begins_with(#id, :idPrefix)');
    }
    Object.entries(query.labels ?? {}).forEach(([key, value], i) => {
      names['#labels'] = 'labels';
      names[`#l${i}`] = key;
      values[`:l${i}`] = { S: String(value) };
      filters.push(`#labels.#l${i} = :l${i}`);
    });
    const items: Execution[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    // One more than asked, to know whether there is a next page.
    while (items.length <= limit) {
      const page = await this.call(operation, query.signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) =>
          client.send(
            new sdk.QueryCommand({
              TableName: this.options.executionsTable,
              IndexName: EXECUTIONS_BY_CREATED_INDEX,
              KeyConditionExpression: keyCondition,
              ScanIndexForward: false,
              Limit: Math.min(1000, limit + 1),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
              ExclusiveStartKey: startKey,
            }),
            { abortSignal },
          ),
        ),
      );
      for (const item of page.Items ?? []) items.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
      if (!startKey) break;
    }
    if (items.length <= limit) return { items };
    const pageItems = items.slice(0, limit);
    const last = pageItems[pageItems.length - 1]!;
    return {
      items: pageItems,
      nextCursor: encodeCursor(`${new Date(last.createdAt).toISOString()}#${last.executionId}`),
    };
  }

  async findByIdempotencyKey(
    createdBy: string,
    idempotencyKey: string,
    options: OperationOptions = {},
  ): Promise<Execution | null> {
    const operation = 'ExecutionStore.findByIdempotencyKey';
    for (const [field, value] of [
      ['createdBy', createdBy],
      ['idempotencyKey', idempotencyKey],
    ] as const) {
      if (typeof value !== 'string' || value === '') {
        throw new ValidationError(`${field} is required (idempotency keys are per user)`, {
          provider: PROVIDER,
          operation,
          details: { field },
        });
      }
    }
    const { signal } = options;
    // The claim item is read consistently, so a record `create` accepted is always found.
    const claim = await this.getRaw(idempotencyClaimKey(createdBy, idempotencyKey), operation, signal);
    const linked = claim?.linkedExecutionId?.S;
    if (linked) return (await this.getItem(linked, operation, signal)) ?? null;
    // Records written before claims existed are found through the (eventually consistent) index.
    const found = (
      await this.queryAll(
        EXECUTIONS_BY_IDEMPOTENCY_KEY_INDEX,
        'idempotencyKey',
        idempotencyKey,
        operation,
        signal,
      )
    ).filter((execution) => execution.createdBy === createdBy);
    const first = found.sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
    return first ? ((await this.getItem(first.executionId, operation, signal)) ?? first) : null;
  }

  /**
   * Retention: removes a record and, in the same transaction, the claim of its idempotency key (so the
   * key may be used again) and the link items of the requests that changed it: at most three, since a
   * status only moves forward (RUNNING, TERMINATING, a final one), so one transaction holds them all.
   * Records written before the set of linked requests existed know only their last request.
   */
  async delete(executionId: string, options: OperationOptions = {}): Promise<void> {
    const operation = 'ExecutionStore.delete';
    checkId(executionId, operation);
    const item = await this.getRaw(executionId, operation, options.signal);
    if (!item || item[KIND])
      throw new NotFoundError(`no execution ${executionId}`, { provider: PROVIDER, operation });
    const record = fromItem(item);
    const table = this.options.executionsTable;
    const keyOf = (key: string) => ({ TableName: table, Key: { executionId: { S: key } } });
    const items: TransactWriteItem[] = [
      {
        Delete: {
          ...keyOf(executionId),
          ConditionExpression: 'attribute_exists(executionId) AND attribute_not_exists(#kind)',
          ExpressionAttributeNames: { '#kind': KIND },
        },
      },
    ];
    if (record.idempotencyKey) {
      items.push({ Delete: keyOf(idempotencyClaimKey(record.createdBy, record.idempotencyKey)) });
    }
    const requests = new Set(item[LINKED_REQUESTS]?.SS ?? []);
    if (record.modifiedByRequestId) requests.add(record.modifiedByRequestId);
    const links = [...requests].map((requestId) => ({
      Delete: keyOf(requestLinkKey(requestId, executionId)),
    }));
    items.push(...links);
    try {
      await this.call(operation, options.signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) =>
          client.send(new sdk.TransactWriteItemsCommand({ TransactItems: items }), { abortSignal }),
        ),
      );
    } catch (error) {
      // Removed by someone else between our read and the write.
      if (ConflictError.isInstance(error)) {
        throw new NotFoundError(`no execution ${executionId}`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      }
      throw error;
    }
  }

  async listByRequestId(requestId: string, options: OperationOptions = {}): Promise<Execution[]> {
    const operation = 'ExecutionStore.listByRequestId';
    if (typeof requestId !== 'string' || requestId === '') {
      throw new ValidationError('a request id is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'requestId' },
      });
    }
    const { signal } = options;
    const [byRequest, modified] = await Promise.all([
      this.queryRaw(EXECUTIONS_BY_REQUEST_INDEX, 'requestId', requestId, operation, signal),
      this.queryAll(
        EXECUTIONS_BY_MODIFIED_REQUEST_INDEX,
        'modifiedByRequestId',
        requestId,
        operation,
        signal,
      ),
    ]);
    const byId = new Map<string, Execution>();
    const linked: string[] = [];
    for (const item of byRequest) {
      if (item[KIND]?.S === 'request') linked.push(item.linkedExecutionId?.S ?? '');
      else if (!item[KIND]) {
        const execution = fromItem(item);
        byId.set(execution.executionId, execution);
      }
    }
    for (const execution of modified) byId.set(execution.executionId, execution);
    // Links name records this request changed; read them as they are now.
    for (const executionId of new Set(linked)) {
      if (executionId === '') continue;
      const execution = await this.getItem(executionId, operation, signal);
      if (execution) byId.set(executionId, execution);
    }
    return [...byId.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || (a.executionId < b.executionId ? 1 : -1),
    );
  }

  private async queryAll(
    index: string,
    attribute: string,
    value: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Execution[]> {
    const items = await this.queryRaw(index, attribute, value, operation, signal);
    return items.filter((item) => !item[KIND]).map(fromItem);
  }

  private queryRaw(
    index: string,
    attribute: string,
    value: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, AttributeValue>[]> {
    return allItems((startKey) =>
      this.call(operation, signal, (abortSignal) =>
        this.clients.dynamodb((client, sdk) =>
          client.send(
            new sdk.QueryCommand({
              TableName: this.options.executionsTable,
              IndexName: index,
              KeyConditionExpression: '#k = :v',
              ExpressionAttributeNames: { '#k': attribute },
              ExpressionAttributeValues: { ':v': { S: value } },
              ExclusiveStartKey: startKey,
            }),
            { abortSignal },
          ),
        ),
      ),
    );
  }

  private async getItem(
    executionId: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Execution | undefined> {
    checkId(executionId, operation);
    const item = await this.getRaw(executionId, operation, signal);
    return item && !item[KIND] ? fromItem(item) : undefined;
  }

  private async getRaw(
    key: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, AttributeValue> | undefined> {
    const result = await this.call(operation, signal, (abortSignal) =>
      this.clients.dynamodb((client, sdk) =>
        client.send(
          new sdk.GetItemCommand({
            TableName: this.options.executionsTable,
            Key: { executionId: { S: key } },
            ConsistentRead: true,
          }),
          { abortSignal },
        ),
      ),
    );
    return result.Item;
  }

  private what(): string {
    return `DynamoDB table ${this.options.executionsTable} (aws.executionsTable)`;
  }

  private call<T>(
    operation: string,
    signal: AbortSignal | undefined,
    send: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    return awsCall(operation, () => send(signal), {
      policy: this.options.retry,
      signal,
      configuration: ['ResourceNotFoundException'],
      conflict: ['ConditionalCheckFailedException', 'TransactionCanceledException'],
      what: this.what(),
    });
  }
}

/** The cancellation reason of each item of a cancelled transaction, in order (`[]` for other errors). */
function cancellationReasons(error: unknown): string[] {
  const cause = TaskportError.isInstance(error) ? error.cause : error;
  if (errorName(cause) !== 'TransactionCanceledException') return [];
  const reasons = (cause as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

function checkId(executionId: string, operation: string): void {
  if (typeof executionId !== 'string' || executionId === '') {
    throw new ValidationError('an execution id is required', {
      provider: PROVIDER,
      operation,
      details: { field: 'executionId' },
    });
  }
}

function isoOrFail(value: string, field: string, operation: string): string {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new ValidationError(`${field} must be an ISO 8601 time, got ${String(value)}`, {
      provider: PROVIDER,
      operation,
      details: { field },
    });
  }
  return new Date(time).toISOString();
}

function fromItem(item: Record<string, AttributeValue>): Execution {
  const record = unmarshalItem(item);
  for (const key of INTERNAL) delete record[key];
  if (record.exitCode === undefined) record.exitCode = null;
  return record as unknown as Execution;
}

function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, k: key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, operation: string): string {
  const fail = (): never => {
    throw new ValidationError('cursor is not a cursor this store returned; start again without one', {
      provider: PROVIDER,
      operation,
      details: { field: 'cursor' },
    });
  };
  if (typeof cursor !== 'string' || cursor === '' || !/^[A-Za-z0-9_-]+$/.test(cursor)) fail();
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      v?: unknown;
      k?: unknown;
    };
    if (parsed.v !== 1 || typeof parsed.k !== 'string' || !/^\d{4}-\d\d-\d\dT.+#.+$/.test(parsed.k)) fail();
    return parsed.k as string;
  } catch (error) {
    if (ValidationError.isInstance(error)) throw error;
    return fail();
  }
}
