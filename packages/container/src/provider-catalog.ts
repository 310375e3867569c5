/** Package names of the providers that ship with taskport. Other packages can be named by specifier. */
export const BUILT_IN_PROVIDERS: Readonly<Record<string, string>> = {
  local: '@taskport/local',
  aws: '@taskport/aws',
  'gcp-cloudrun': '@taskport/gcp-cloudrun',
  kubernetes: '@taskport/kubernetes',
  docker: '@taskport/docker',
  memory: '@taskport/memory',
};

/**
 * The light entry point of a built-in provider that holds only its options schema (no SDK), so that a
 * section of taskport.yaml is validated even when no port uses that provider.
 */
export function optionsModuleOf(provider: string): string | undefined {
  const specifier = BUILT_IN_PROVIDERS[provider];
  return specifier ? `${specifier}/options` : undefined;
}

/** True for a provider given as a package specifier (`@scope/name` or a path) rather than a built-in name. */
export function isPackageSpecifier(provider: string): boolean {
  return (
    provider.startsWith('@') || provider.startsWith('.') || provider.startsWith('/') || provider.includes('/')
  );
}
