import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteTaskDefinitionsCommand,
  DeregisterTaskDefinitionCommand,
  ListTaskDefinitionsCommand,
} from '@aws-sdk/client-ecs';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import {
  type CanonicalImageConfig,
  ConflictError,
  canonicalImageConfig,
  computeImageId,
  type ImageConfig,
  type ImageInfo,
  type ImageRegistry,
  NotFoundError,
  type OperationOptions,
  type Platform,
  parseImageReference,
  type RegisterImageOptions,
  TaskportError,
  toImageInfo,
  ValidationError,
} from '@taskport/core';
import { awsClients } from './aws-clients.js';
import { awsCall, errorName, PROVIDER } from './aws-errors.js';
import { type AwsClients, type AwsOptions, accountIdOf } from './aws-options.js';
import { marshalItem, unmarshalItem } from './dynamodb-codec.js';
import { allItems } from './dynamodb-pages.js';
import {
  ensureTaskDefinition,
  familyFor,
  roleIdentity,
  validateFargateSize,
} from './ecs-task-definitions.js';

const DEFAULT_POINTER = 'default';
const IMAGE_PREFIX = 'image#';
/** GSI of the images table: every image by its normalised reference. */
export const IMAGES_BY_REFERENCE_INDEX = 'by-reference';
/** DeleteTaskDefinitions takes at most 10 ARNs per call. */
const DELETE_BATCH = 10;

/**
 * Images in a DynamoDB table, each backed by an ECS task definition of a deterministic family.
 *
 * - Registration validates everything (Fargate sizes, platforms, role names) before any AWS call, checks the
 *   roles with IAM GetRole, registers the task definition, then writes the item (and the default pointer)
 *   in one transaction; if that write fails, the new revision is deregistered again.
 * - The default is one pointer item (`pk = "default"`), so at most one image is ever the default; it is
 *   changed in the same transaction as the image, or with a conditional write.
 * - Name lookups query a GSI on the normalised reference and read every page.
 */
export class AwsImageRegistry implements ImageRegistry {
  readonly provider = PROVIDER;
  private readonly clients: AwsClients;

  constructor(
    private readonly options: AwsOptions,
    clients?: AwsClients,
  ) {
    this.clients = clients ?? awsClients(options);
  }

  async registerImage(config: ImageConfig, options: RegisterImageOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.registerImage';
    const { signal } = options;
    const canonical = this.validate(config, operation);
    const imageId = computeImageId(canonical);

    const existing = await this.getItem(imageId, operation, signal);
    if (existing) {
      await this.applyDefaultRule(imageId, canonical.isDefault, operation, signal);
      return this.withDefaultFlag(existing, operation, signal);
    }

    const roles = {
      taskRole: canonical.taskRole
        ? await this.checkRole(canonical.taskRole, 'permissions.taskRole', operation, signal)
        : undefined,
      executionRole: canonical.executionRole
        ? await this.checkRole(canonical.executionRole, 'permissions.executionRole', operation, signal)
        : undefined,
    };
    const family = familyFor(this.options.familyPrefix, imageId);
    const taskDefinition = await ensureTaskDefinition(
      this.clients.ecs,
      {
        family,
        imageId,
        image: canonical.reference.normalized,
        cpu: canonical.cpu,
        memory: canonical.memory,
        platform: canonical.platform,
        taskRole: roles.taskRole,
        executionRole: roles.executionRole,
        secrets: [],
      },
      this.options,
      operation,
      { signal, retry: this.options.retry, accountId: this.options.accountId },
    );

    const info = toImageInfo(canonical, {
      ...(options.requestId ? { requestId: options.requestId } : {}),
      providerRef: taskDefinition.arn,
    });
    try {
      const becameDefault = await this.writeNewImage(info, canonical.isDefault, operation, signal);
      return { ...info, isDefault: becameDefault };
    } catch (error) {
      if (ConflictError.isInstance(error)) {
        // The same configuration was registered concurrently and that registration won. Our revision is
        // redundant unless the winner found and used it.
        const winner = await this.getItem(imageId, operation, signal);
        if (taskDefinition.registered && winner?.providerRef !== taskDefinition.arn) {
          await this.deregister([taskDefinition.arn], operation).catch(() => undefined);
        }
        if (winner) {
          await this.applyDefaultRule(imageId, canonical.isDefault, operation, signal);
          return this.withDefaultFlag(winner, operation, signal);
        }
      } else if (taskDefinition.registered) {
        // Compensate: no item, so no task definition either.
        await this.deregister([taskDefinition.arn], operation).catch(() => undefined);
      }
      throw error;
    }
  }

  async listImages(options: OperationOptions = {}): Promise<ImageInfo[]> {
    const operation = 'ImageRegistry.listImages';
    const { signal } = options;
    const items = await allItems((startKey) =>
      this.db(operation, signal, (abortSignal) =>
        this.clients.dynamodb.send(
          new ScanCommand({
            TableName: this.options.imagesTable,
            ConsistentRead: true,
            FilterExpression: 'begins_with(pk, :prefix)',
            ExpressionAttributeValues: { ':prefix': { S: IMAGE_PREFIX } },
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      ),
    );
    const images = items.map(fromItem);
    const defaultId = await this.defaultImageId(operation, signal);
    for (const image of images) image.isDefault = image.imageId === defaultId;
    return images.sort(
      (a, b) => Number(b.isDefault) - Number(a.isDefault) || b.createdAt.localeCompare(a.createdAt),
    );
  }

  async getImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.getImage';
    const matches = await this.resolve(ref, operation, options.signal);
    return this.withDefaultFlag(this.pick(matches), operation, options.signal);
  }

  async removeImage(ref: string, options: OperationOptions = {}): Promise<void> {
    const operation = 'ImageRegistry.removeImage';
    const { signal } = options;
    const matches = await this.resolve(ref, operation, signal);
    if (matches.length > 1) {
      throw new ConflictError(
        `"${ref}" matches ${matches.length} images (${matches.map((m) => m.imageId).join(', ')}); remove one by its ImageID`,
        { provider: PROVIDER, operation, details: { imageIds: matches.map((m) => m.imageId) } },
      );
    }
    const image = matches[0]!;
    // Artefacts first: if this fails half-way the image is still listed and removing it again finishes the job.
    await this.deregisterFamily(familyFor(this.options.familyPrefix, image.imageId), operation, signal);
    await this.db(operation, signal, (abortSignal) =>
      this.clients.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.options.imagesTable,
          Key: { pk: { S: IMAGE_PREFIX + image.imageId } },
        }),
        { abortSignal },
      ),
    );
    // Removing the default leaves no default; only clear the pointer if it still points here.
    await this.db(operation, signal, (abortSignal) =>
      this.clients.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.options.imagesTable,
          Key: { pk: { S: DEFAULT_POINTER } },
          ConditionExpression: 'imageId = :id',
          ExpressionAttributeValues: { ':id': { S: image.imageId } },
        }),
        { abortSignal },
      ),
    ).catch((error) => {
      if (!ConflictError.isInstance(error)) throw error;
    });
  }

  async getDefaultImage(options: OperationOptions = {}): Promise<ImageInfo | null> {
    const operation = 'ImageRegistry.getDefaultImage';
    const id = await this.defaultImageId(operation, options.signal);
    if (!id) return null;
    const item = await this.getItem(id, operation, options.signal);
    return item ? { ...item, isDefault: true } : null;
  }

  async setDefaultImage(ref: string, options: OperationOptions = {}): Promise<ImageInfo> {
    const operation = 'ImageRegistry.setDefaultImage';
    const { signal } = options;
    const image = this.pick(await this.resolve(ref, operation, signal));
    try {
      await this.db(operation, signal, (abortSignal) =>
        this.clients.dynamodb.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: this.options.imagesTable,
                  Key: { pk: { S: IMAGE_PREFIX + image.imageId } },
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
              { Put: { TableName: this.options.imagesTable, Item: this.pointerItem(image.imageId) } },
            ],
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (ConflictError.isInstance(error)) {
        throw new NotFoundError(`image ${image.imageId} was removed while it was being made the default`, {
          provider: PROVIDER,
          operation,
          cause: error,
        });
      }
      throw error;
    }
    return { ...image, isDefault: true };
  }

  // --- internals -------------------------------------------------------------------------------------

  private validate(config: ImageConfig, operation: string): CanonicalImageConfig {
    try {
      const accountId = accountIdOf(this.options);
      const canonical = canonicalImageConfig(config, {
        roleIdentity: (role) => roleIdentity(role, accountId),
      });
      validateFargateSize(canonical.cpu, canonical.memory, operation);
      if (config.isDefault !== undefined && typeof config.isDefault !== 'boolean') {
        throw new ValidationError('isDefault must be true, false or absent', {
          details: { field: 'isDefault' },
        });
      }
      return canonical;
    } catch (error) {
      if (ValidationError.isInstance(error) && !error.provider) {
        throw new ValidationError(error.message, {
          provider: PROVIDER,
          operation,
          cause: error,
          details: error.details ?? {},
        });
      }
      throw error;
    }
  }

  /** IAM GetRole: the role must exist. Returns its ARN. */
  private async checkRole(
    role: string,
    field: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<string> {
    const name = role.startsWith('arn:') ? role.split('/').pop()! : role;
    if (role.startsWith('arn:') && !/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(role)) {
      throw new ValidationError(`${field} "${role}" is not an IAM role ARN`, {
        provider: PROVIDER,
        operation,
        details: { field },
      });
    }
    try {
      const result = await awsCall(
        operation,
        () => this.clients.iam.send(new GetRoleCommand({ RoleName: name }), { abortSignal: signal }),
        {
          policy: this.options.retry,
          signal,
          notFound: ['NoSuchEntityException', 'NoSuchEntity'],
          what: `IAM role ${name}`,
        },
      );
      return result.Role?.Arn ?? role;
    } catch (error) {
      if (NotFoundError.isInstance(error)) {
        throw new ValidationError(
          `${field}: IAM role "${role}" does not exist; create it or name an existing role`,
          {
            provider: PROVIDER,
            operation,
            cause: error,
            details: { field },
          },
        );
      }
      throw error;
    }
  }

  /** Writes a new image item, and the default pointer per the rules, in one transaction. Returns whether it is the default. */
  private async writeNewImage(
    info: ImageInfo,
    isDefault: boolean | undefined,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    const put: TransactWriteItem = {
      Put: {
        TableName: this.options.imagesTable,
        Item: toItem(info),
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const pointer = (conditional: boolean): TransactWriteItem => ({
      Put: {
        TableName: this.options.imagesTable,
        Item: this.pointerItem(info.imageId),
        ...(conditional ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
      },
    });
    const write = (items: TransactWriteItem[]) =>
      this.db(operation, signal, (abortSignal) =>
        this.clients.dynamodb.send(new TransactWriteItemsCommand({ TransactItems: items }), { abortSignal }),
      );
    if (isDefault === true) {
      await write([put, pointer(false)]);
      return true;
    }
    if (isDefault === false) {
      await write([put]);
      return false;
    }
    // Absent: default only when there is none yet (the first image ever registered).
    try {
      await write([put, pointer(true)]);
      return true;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons[0] === 'None' && reasons[1] === 'ConditionalCheckFailed') {
        await write([put]);
        return false;
      }
      throw error;
    }
  }

  /** Re-registration of an existing config: true -> make it the default; false -> clear it if it is; absent -> default if none. */
  private async applyDefaultRule(
    imageId: string,
    isDefault: boolean | undefined,
    operation: string,
    signal: AbortSignal | undefined,
  ) {
    const ignoreLostCondition = (error: unknown) => {
      if (!ConflictError.isInstance(error)) throw error;
    };
    if (isDefault === false) {
      await this.db(operation, signal, (abortSignal) =>
        this.clients.dynamodb.send(
          new DeleteItemCommand({
            TableName: this.options.imagesTable,
            Key: { pk: { S: DEFAULT_POINTER } },
            ConditionExpression: 'imageId = :id',
            ExpressionAttributeValues: { ':id': { S: imageId } },
          }),
          { abortSignal },
        ),
      ).catch(ignoreLostCondition);
      return;
    }
    await this.db(operation, signal, (abortSignal) =>
      this.clients.dynamodb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              ConditionCheck: {
                TableName: this.options.imagesTable,
                Key: { pk: { S: IMAGE_PREFIX + imageId } },
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.options.imagesTable,
                Item: this.pointerItem(imageId),
                ...(isDefault === undefined ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
              },
            },
          ],
        }),
        { abortSignal },
      ),
    ).catch(ignoreLostCondition);
  }

  private pointerItem(imageId: string): Record<string, AttributeValue> {
    return marshalItem({ pk: DEFAULT_POINTER, imageId, updatedAt: new Date().toISOString() });
  }

  private async defaultImageId(
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const result = await this.db(operation, signal, (abortSignal) =>
      this.clients.dynamodb.send(
        new GetItemCommand({
          TableName: this.options.imagesTable,
          Key: { pk: { S: DEFAULT_POINTER } },
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return result.Item?.imageId?.S;
  }

  private async getItem(
    imageId: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<ImageInfo | undefined> {
    const result = await this.db(operation, signal, (abortSignal) =>
      this.clients.dynamodb.send(
        new GetItemCommand({
          TableName: this.options.imagesTable,
          Key: { pk: { S: IMAGE_PREFIX + imageId } },
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return result.Item ? fromItem(result.Item) : undefined;
  }

  private async withDefaultFlag(
    image: ImageInfo,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<ImageInfo> {
    return { ...image, isDefault: (await this.defaultImageId(operation, signal)) === image.imageId };
  }

  /**
   * Every image `ref` names: an ImageID (exact, first; `id:` forces it), else the exact registered string or
   * the normalised reference, read from the GSI over all pages.
   */
  private async resolve(
    ref: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<ImageInfo[]> {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw new ValidationError('an image reference or ImageID is required', {
        provider: PROVIDER,
        operation,
        details: { field: 'ref' },
      });
    }
    const wanted = ref.trim();
    const explicitId = wanted.startsWith('id:') ? wanted.slice(3) : undefined;
    const byId = await this.getItem(explicitId ?? wanted, operation, signal);
    if (byId) return [byId];
    const notFound = () =>
      new NotFoundError(`no image matches "${ref}"; list images with \`taskport images list\``, {
        provider: PROVIDER,
        operation,
      });
    if (explicitId !== undefined) throw notFound();
    let normalized: string;
    try {
      normalized = parseImageReference(wanted).normalized;
    } catch {
      throw notFound();
    }
    const items = await allItems((startKey) =>
      this.db(operation, signal, (abortSignal) =>
        this.clients.dynamodb.send(
          new QueryCommand({
            TableName: this.options.imagesTable,
            IndexName: IMAGES_BY_REFERENCE_INDEX,
            KeyConditionExpression: '#ref = :ref',
            ExpressionAttributeNames: { '#ref': 'reference' },
            ExpressionAttributeValues: { ':ref': { S: normalized } },
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      ),
    );
    const matches = items.map(fromItem);
    if (matches.length === 0) throw notFound();
    const exact = matches.filter((m) => m.image === wanted);
    const candidates = exact.length ? exact : matches;
    const defaultId = await this.defaultImageId(operation, signal);
    for (const c of candidates) c.isDefault = c.imageId === defaultId;
    return candidates.sort(
      (a, b) => Number(b.isDefault) - Number(a.isDefault) || b.createdAt.localeCompare(a.createdAt),
    );
  }

  /** The default among the matches, else the newest (`resolve` sorts them that way). */
  private pick(matches: ImageInfo[]): ImageInfo {
    return matches[0]!;
  }

  /** Deregisters every revision of the family (and of its secret variants), then deletes them, 10 per call. */
  private async deregisterFamily(
    family: string,
    operation: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const arns: string[] = [];
    for (const status of ['ACTIVE', 'INACTIVE'] as const) {
      let nextToken: string | undefined;
      do {
        const page = await awsCall(
          operation,
          () =>
            this.clients.ecs.send(
              new ListTaskDefinitionsCommand({ familyPrefix: family, status, nextToken, maxResults: 100 }),
              {
                abortSignal: signal,
              },
            ),
          { policy: this.options.retry, signal },
        );
        for (const arn of page.taskDefinitionArns ?? []) {
          // familyPrefix is a prefix on AWS: keep only this family and its `-s<hash>` secret variants.
          const name = arn.split('/').pop()?.replace(/:\d+$/, '');
          if (name === family || (name && new RegExp(`^${family}-s[0-9a-f]{8}$`).test(name))) arns.push(arn);
        }
        nextToken = page.nextToken;
      } while (nextToken);
    }
    await this.deregister(arns, operation, signal);
  }

  private async deregister(arns: string[], operation: string, signal?: AbortSignal): Promise<void> {
    const inactive: string[] = [];
    for (const arn of arns) {
      try {
        await awsCall(
          operation,
          () =>
            this.clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn }), {
              abortSignal: signal,
            }),
          {
            policy: this.options.retry,
            signal,
          },
        );
      } catch (error) {
        // Already inactive (listed as INACTIVE): it still needs deleting.
        if (!(TaskportError.isInstance(error) && errorName(error.cause) === 'ClientException')) throw error;
      }
      inactive.push(arn);
    }
    for (let i = 0; i < inactive.length; i += DELETE_BATCH) {
      const batch = inactive.slice(i, i + DELETE_BATCH);
      await awsCall(
        operation,
        () =>
          this.clients.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: batch }), {
            abortSignal: signal,
          }),
        {
          policy: this.options.retry,
          signal,
        },
      ).catch((error) => {
        // Deletion is the last, best-effort step: an inactive revision runs nothing and is not listed.
        if (!TaskportError.isInstance(error) || error.code === 'UNAVAILABLE') throw error;
      });
    }
  }

  private db<T>(
    operation: string,
    signal: AbortSignal | undefined,
    call: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    return awsCall(operation, () => call(signal), {
      policy: this.options.retry,
      signal,
      configuration: ['ResourceNotFoundException'],
      conflict: ['ConditionalCheckFailedException', 'TransactionCanceledException'],
      what: `DynamoDB table ${this.options.imagesTable} (aws.imagesTable)`,
    });
  }
}

function cancellationReasons(error: unknown): string[] {
  const cause = TaskportError.isInstance(error) ? error.cause : error;
  if (cause instanceof TransactionCanceledException || errorName(cause) === 'TransactionCanceledException') {
    return ((cause as TransactionCanceledException).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  }
  return [];
}

function toItem(info: ImageInfo): Record<string, AttributeValue> {
  const { isDefault: _ignored, ...rest } = info;
  return marshalItem({ pk: IMAGE_PREFIX + info.imageId, ...rest });
}

function fromItem(item: Record<string, AttributeValue>): ImageInfo {
  const record = unmarshalItem(item) as Record<string, unknown>;
  const { pk: _pk, ...rest } = record;
  const info = rest as unknown as ImageInfo;
  return { ...info, platform: info.platform as Platform, isDefault: false };
}
