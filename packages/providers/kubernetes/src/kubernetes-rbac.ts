import type { V1PolicyRule, V1Role, V1RoleBinding } from '@kubernetes/client-node';

/**
 * The least a taskport deployment needs in its namespace, by port:
 * - TaskExecutor: Jobs (create, read back, patch to kill and to claim a task's one attach), their pods
 *   (read; delete, for a kill with a chosen grace period), `pods/attach` (stdin of interactive tasks: the
 *   WebSocket upgrade is a GET, and since Kubernetes 1.35 the API server also checks `create` on it),
 *   Secrets (create, patch the owner);
 * - LogAggregator: pods (list) and `pods/log`;
 * - ImageRegistry and ExecutionStore: ConfigMaps;
 * - BackendObservability and its logger: Events (create, list).
 * Nothing cluster-wide: no CRDs, no ClusterRole.
 */
export const TASKPORT_RBAC_RULES: readonly V1PolicyRule[] = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'delete'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['pods/attach'], verbs: ['create', 'get'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'patch'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list', 'update', 'delete'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'list'] },
];

/** The Role `taskport` with TASKPORT_RBAC_RULES, in `namespace`. */
export function taskportRole(namespace: string, name = 'taskport'): V1Role {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'taskport' } },
    rules: TASKPORT_RBAC_RULES.map((rule) => ({ ...rule })),
  };
}

/** Binds the Role to the ServiceAccount taskport runs as. */
export function taskportRoleBinding(
  namespace: string,
  serviceAccount: string,
  name = 'taskport',
): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'taskport' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
  };
}
