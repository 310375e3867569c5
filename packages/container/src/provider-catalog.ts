/** Package names of the providers that ship with taskport. Other packages can be named by specifier. */
export const BUILT_IN_PROVIDERS: Readonly<Record<string, string>> = {
  local: '@taskport/local',
  aws: '@taskport/aws',
  'gcp-cloudrun': '@taskport/gcp-cloudrun',
  kubernetes: '@taskport/kubernetes',
};

/** True for a provider given as a package specifier (`@scope/name` or a path) rather than a built-in name. */
export function isPackageSpecifier(provider: string): boolean {
  return (
    provider.startsWith('@') || provider.startsWith('.') || provider.startsWith('/') || provider.includes('/')
  );
}
