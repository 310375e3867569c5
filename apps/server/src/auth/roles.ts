/**
 * Roles and what each may do - the original's four roles, with an owner rule that is enforced where the
 * execution is loaded (a developer sees, follows, waits for and kills only executions it created).
 */
export type Role = 'admin' | 'operator' | 'developer' | 'viewer';

export type Permission =
  | 'self'
  | 'run'
  | 'executions:read'
  | 'executions:kill'
  | 'images:read'
  | 'images:write'
  | 'trace'
  | 'reconcile'
  | 'users:read'
  | 'users:write'
  | 'metrics';

/** `all`: every execution; `own`: only those the user created. */
export type Scope = 'all' | 'own';

const EVERYTHING: Permission[] = [
  'self',
  'run',
  'executions:read',
  'executions:kill',
  'images:read',
  'images:write',
  'trace',
  'reconcile',
  'users:read',
  'users:write',
  'metrics',
];

const GRANTS: Record<Role, Partial<Record<Permission, Scope>>> = {
  admin: Object.fromEntries(EVERYTHING.map((p) => [p, 'all'])),
  operator: {
    self: 'all',
    run: 'all',
    'executions:read': 'all',
    'executions:kill': 'all',
    'images:read': 'all',
    'images:write': 'all',
    trace: 'all',
    reconcile: 'all',
    'users:read': 'all',
    metrics: 'all',
  },
  developer: {
    self: 'all',
    run: 'own',
    'executions:read': 'own',
    'executions:kill': 'own',
    'images:read': 'all',
  },
  viewer: { self: 'all', 'executions:read': 'all', 'images:read': 'all' },
};

export const ROLE_NAMES: readonly Role[] = ['admin', 'operator', 'developer', 'viewer'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLE_NAMES as readonly string[]).includes(value);
}

/** The scope a role has for a permission, or undefined when it lacks it. */
export function scopeOf(role: Role, permission: Permission): Scope | undefined {
  return GRANTS[role][permission];
}

/** The permissions of a role, as `permission` or `permission(own)`. */
export function permissionsOf(role: Role): string[] {
  return Object.entries(GRANTS[role]).map(([p, scope]) => (scope === 'own' ? `${p}(own)` : p));
}
