import { registerProviderLoader } from '@taskport/container';

/**
 * The provider packages this CLI ships, each loaded only when the config names it. The CLI is bundled
 * (build.mjs), and a bundle cannot import a package by a name known only at run time, so each provider
 * is imported here by its literal name: the bundler makes it a file of its own that nothing loads until
 * the container asks for it. A new built-in provider adds one line here and a dependency in package.json.
 * Providers that start helper processes by path (docker's watchdog) or read files beside their modules at
 * run time (the Google clients' protos) are not bundled: they are dependencies imported by name.
 */
export function registerBundledProviders(): void {
  registerProviderLoader('@taskport/local', () => import('@taskport/local'));
  registerProviderLoader('@taskport/aws', () => import('@taskport/aws'));
  registerProviderLoader('@taskport/memory', () => import('@taskport/memory'));
}
