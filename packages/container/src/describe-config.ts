import type { ResolvedConfig } from './deployment-config.js';

const SECRET_KEY = /secret|password|token|credential|private|accesskey/i;
/** Options whose names mention secrets but which hold a policy about them, not a secret (shown as is). */
const SECRET_POLICY_KEYS = new Set(['plainSecrets']);

/**
 * The resolved config ready to show a person or print as JSON: option values whose names look secret
 * are replaced by `[redacted]`.
 */
export function describeConfig(config: ResolvedConfig): ResolvedConfig {
  const providers: ResolvedConfig['providers'] = {};
  for (const [name, provider] of Object.entries(config.providers)) {
    providers[name] = {
      options: Object.fromEntries(
        Object.entries(provider.options).map(([key, value]) => [
          key,
          SECRET_KEY.test(key) && !SECRET_POLICY_KEYS.has(key) ? '[redacted]' : value,
        ]),
      ),
      sources: { ...provider.sources },
    };
  }
  return { ...config, ports: { ...config.ports }, providers };
}
