import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves a built web console from `webRoot` at `/`. Files under `assets/` carry content hashes in their
 * names (what bundlers emit), so they are cached for a year as immutable; everything else, and above all
 * `index.html`, is revalidated on each load so a deploy shows at once. A GET for a path that is not a
 * file and not under `/api/` is a deep link into the console and gets `index.html`.
 */
export async function registerStaticAssets(
  app: FastifyInstance,
  webRoot: string,
): Promise<(request: FastifyRequest, reply: FastifyReply) => Promise<boolean>> {
  const root = resolve(webRoot);
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(`webRoot ${root} is not a directory; build the web console or drop the option`);
  }
  const hasIndex = existsSync(join(root, 'index.html'));
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    wildcard: true,
    index: ['index.html'],
    cacheControl: false,
    setHeaders(reply, path) {
      const immutable = /[/\\]assets[/\\]/.test(path.slice(root.length));
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header('x-content-type-options', 'nosniff');
    },
  });
  return async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !path.startsWith('/api/');
    if (!wantsPage || !hasIndex || /\.[A-Za-z0-9]{1,8}$/.test(path)) return false;
    await reply.header('cache-control', 'no-cache').sendFile('index.html');
    return true;
  };
}
