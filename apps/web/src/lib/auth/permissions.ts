import type { Execution, Role } from '../api/types.js';

/**
 * What each role may do, so the console offers only what the server will allow (the server decides;
 * this only keeps buttons away from people who would get a 403). It follows the server's role table:
 * admin does everything, operator runs, kills and manages images, developer runs and kills their own
 * executions, viewer reads.
 */
export interface Permissions {
  run: boolean;
  /** Kill is per execution: a developer may kill only their own. */
  kill: (execution: Pick<Execution, 'createdBy'>) => boolean;
  manageImages: boolean;
  trace: boolean;
}

export function permissionsFor(role: Role, email: string): Permissions {
  switch (role) {
    case 'admin':
    case 'operator':
      return { run: true, kill: () => true, manageImages: true, trace: true };
    case 'developer':
      return { run: true, kill: (e) => e.createdBy === email, manageImages: false, trace: true };
    default:
      return { run: false, kill: () => false, manageImages: false, trace: false };
  }
}
