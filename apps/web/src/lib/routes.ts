/** The console's views and the paths that reach them; every one is a deep link that survives a reload. */
export type Route =
  | { name: 'executions' }
  | { name: 'execution'; id: string }
  | { name: 'run' }
  | { name: 'images' }
  | { name: 'trace'; requestId: string }
  | { name: 'not-found' };

export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/executions') return { name: 'executions' };
  if (path === '/run') return { name: 'run' };
  if (path === '/images') return { name: 'images' };
  if (path === '/trace') return { name: 'trace', requestId: '' };
  const execution = /^\/executions\/([^/]+)$/.exec(path);
  if (execution?.[1]) return { name: 'execution', id: safeDecode(execution[1]) };
  const trace = /^\/trace\/([^/]+)$/.exec(path);
  if (trace?.[1]) return { name: 'trace', requestId: safeDecode(trace[1]) };
  return { name: 'not-found' };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const paths = {
  executions: (query?: URLSearchParams) => `/executions${query?.toString() ? `?${query}` : ''}`,
  execution: (id: string) => `/executions/${encodeURIComponent(id)}`,
  run: () => '/run',
  images: () => '/images',
  trace: (requestId: string) => `/trace/${encodeURIComponent(requestId)}`,
};
