import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { kubernetesCall } from './kubernetes-call.js';
import type { KubernetesClients } from './kubernetes-clients.js';
import { isStatus, translateKubernetesError } from './kubernetes-errors.js';
import { taskportRole, taskportRoleBinding } from './kubernetes-rbac.js';

export interface SetupResult {
  /** What was created or brought up to date, e.g. `Role jobs/taskport`. */
  applied: string[];
}

/**
 * Applies what the provider needs in a namespace, idempotently: the ServiceAccount taskport runs as (when
 * missing), the Role with TASKPORT_RBAC_RULES and its RoleBinding (replaced when they exist, so the rules
 * are brought up to date). Nothing cluster-wide: the provider uses no CRDs. Needs a user allowed to
 * manage RBAC in that namespace (an admin); the command behind `taskport kubernetes setup`.
 */
export async function setupKubernetesNamespace(
  clients: KubernetesClients,
  namespace: string,
  serviceAccount = 'taskport',
): Promise<SetupResult> {
  const operation = 'KubernetesSetup.setupKubernetesNamespace';
  const rbac = clients.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const applied: string[] = [];
  const createOr = async (what: string, create: () => Promise<unknown>, replace?: () => Promise<unknown>) => {
    try {
      await kubernetesCall(operation, () => create(), { raw: true, what });
    } catch (error) {
      if (!isStatus(error, 409)) throw translateKubernetesError(error, operation, what);
      if (replace) await kubernetesCall(operation, () => replace(), { what });
    }
    applied.push(what);
  };
  await createOr(`ServiceAccount ${namespace}/${serviceAccount}`, () =>
    clients.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: serviceAccount, namespace } },
    }),
  );
  const role = taskportRole(namespace);
  await createOr(
    `Role ${namespace}/${role.metadata!.name}`,
    () => rbac.createNamespacedRole({ namespace, body: role }),
    () => rbac.replaceNamespacedRole({ name: role.metadata!.name!, namespace, body: role }),
  );
  const binding = taskportRoleBinding(namespace, serviceAccount);
  await createOr(
    `RoleBinding ${namespace}/${binding.metadata!.name}`,
    () => rbac.createNamespacedRoleBinding({ namespace, body: binding }),
    () => rbac.replaceNamespacedRoleBinding({ name: binding.metadata!.name!, namespace, body: binding }),
  );
  return { applied };
}
