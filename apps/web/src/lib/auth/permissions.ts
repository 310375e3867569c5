import type { Execution, Role } from '../api/types.js';

/**
 * What each role may do, so the console offers only what the server will allow (the server decides;
 * this only keeps buttons away from people who would get a 403). The role table is the server's:
 * admin does everything, operator runs, kills, manages images and traces, developer runs and kills its
 * own executions, viewer reads.
 */
export interface Permissions {
  run: boolean;
  /** Kill is per execution: a developer may kill only their own. */
  kill: (execution: Pick<Execution, 'createdBy'>) => boolean;
  manageImages: boolean;
  trace: boolean;
}

/**
 * From the server's own list (`GET /users/me` -> `permissions`: `run`, `executions:kill(own)`, ...),
 * falling back to the role table when the server sends none.
 */
export function permissionsOf(user: { role: Role; email: string; permissions?: string[] }): Permissions {
  if (!user.permissions) return permissionsFor(user.role, user.email);
  const granted = new Map<string, 'all' | 'own'>();
  for (const entry of user.permissions) {
    const own = entry.endsWith('(own)');
    granted.set(own ? entry.slice(0, -5) : entry, own ? 'own' : 'all');
  }
  const killScope = granted.get('executions:kill');
  return {
    run: granted.has('run'),
    kill: (e) => killScope === 'all' || (killScope === 'own' && sameUser(e.createdBy, user.email)),
    manageImages: granted.has('images:write'),
    trace: granted.has('trace'),
  };
}

function sameUser(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

export function permissionsFor(role: Role, email: string): Permissions {
  switch (role) {
    case 'admin':
    case 'operator':
      return { run: true, kill: () => true, manageImages: true, trace: true };
    case 'developer':
      return { run: true, kill: (e) => sameUser(e.createdBy, email), manageImages: false, trace: false };
    default:
      return { run: false, kill: () => false, manageImages: false, trace: false };
  }
}
