import { fromLegacyParams, type ImageConfig } from '@taskport/core';
import { type Api, type ApiContext, principalOf } from '../api/api-context.js';
import {
  COMMON_ERRORS,
  DefaultImage,
  ErrorBody,
  Image,
  type ImageConfigBodyJson,
  ImageList,
  ImageRefParams,
  type LegacyImageBodyJson,
  RegisterImageBody,
  SetDefaultBody,
} from '../api/schemas.js';
import { imageJson } from '../api/wire.js';

const LEGACY_KEYS = [
  'is_default',
  'task_role_name',
  'task_execution_role_name',
  'cpu',
  'memory',
  'runtime_platform',
];

export function imageRoutes(app: Api, ctx: ApiContext): void {
  for (const [path, deprecated] of [
    ['/images', false],
    // The original's path, for clients written against it.
    ['/images/register', true],
  ] as const) {
    app.post(
      path,
      {
        config: { permission: 'images:write' },
        schema: {
          tags: ['images'],
          summary: 'Register an image (ImageConfig body; the legacy snake_case body is converted)',
          description:
            'Registering the same configuration again returns the same image (same imageId) and creates nothing. `registeredBy` is always the caller.',
          deprecated,
          body: RegisterImageBody,
          response: { 201: Image, ...COMMON_ERRORS, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const config = toImageConfig(request.body, principalOf(request).email);
        const info = await ctx.service.registerImage(config, { requestId: request.id });
        reply.code(201);
        return imageJson(info);
      },
    );
  }

  app.get(
    '/images',
    {
      config: { permission: 'images:read' },
      schema: {
        tags: ['images'],
        summary: 'List registered images',
        response: { 200: ImageList, ...COMMON_ERRORS },
      },
    },
    async (request) => ({ images: (await ctx.service.listImages({ requestId: request.id })).map(imageJson) }),
  );

  app.get(
    '/images/default',
    {
      config: { permission: 'images:read' },
      schema: {
        tags: ['images'],
        summary: 'The default image',
        response: { 200: DefaultImage, ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const info = await ctx.service.getDefaultImage({ requestId: request.id });
      return { image: info ? imageJson(info) : null };
    },
  );

  app.put(
    '/images/default',
    {
      config: { permission: 'images:write' },
      schema: {
        tags: ['images'],
        summary: 'Set the default image (atomically replaces the old one)',
        body: SetDefaultBody,
        response: { 200: Image, ...COMMON_ERRORS },
      },
    },
    async (request) =>
      imageJson(await ctx.service.setDefaultImage(request.body.ref, { requestId: request.id })),
  );

  app.get(
    '/images/:ref',
    {
      config: { permission: 'images:read' },
      schema: {
        tags: ['images'],
        summary: 'One image, by ImageID or name (URL-encode the reference: ghcr.io%2Facme%2Fapp%3A1)',
        params: ImageRefParams,
        response: { 200: Image, ...COMMON_ERRORS },
      },
    },
    async (request) => imageJson(await ctx.service.getImage(request.params.ref, { requestId: request.id })),
  );

  app.delete(
    '/images/:ref',
    {
      config: { permission: 'images:write' },
      schema: {
        tags: ['images'],
        summary: 'Remove an image',
        params: ImageRefParams,
        response: { 204: { description: 'Removed', type: 'null' }, ...COMMON_ERRORS, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      await ctx.service.removeImage(request.params.ref, { requestId: request.id });
      return reply.code(204).send(null);
    },
  );
}

function toImageConfig(body: ImageConfigBodyJson | LegacyImageBodyJson, who: string): ImageConfig {
  if (!LEGACY_KEYS.some((k) => k in body)) {
    const { registeredBy: _ignored, ...config } = body as ImageConfigBodyJson;
    return { ...config, registeredBy: who };
  }
  const legacy = body as LegacyImageBodyJson;
  return fromLegacyParams({
    image: legacy.image,
    isDefault: legacy.is_default,
    taskRoleName: legacy.task_role_name,
    taskExecutionRoleName: legacy.task_execution_role_name,
    cpu: legacy.cpu,
    memory: legacy.memory,
    runtimePlatform: legacy.runtime_platform,
    createdBy: who,
  });
}
