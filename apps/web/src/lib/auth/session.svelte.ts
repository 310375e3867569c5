import { ApiClient } from '../api/api-client.js';
import type { ApiError } from '../api/api-error.js';
import type { WhoAmI } from '../api/types.js';
import { type Permissions, permissionsFor, permissionsOf } from './permissions.js';

/**
 * Where the key lives: session storage, so it is gone when the tab closes, is never written into a URL
 * and is never sent anywhere but the `Authorization` header of the console's own API calls.
 */
const STORAGE_KEY = 'taskport.apiKey';

type SessionState = 'restoring' | 'signed-out' | 'signed-in';

class Session {
  state = $state<SessionState>('restoring');
  user = $state<WhoAmI | null>(null);
  /** Why the session ended, shown on the sign-in page (e.g. a revoked key). */
  notice = $state('');
  #key: string | null = null;
  permissions = $derived<Permissions>(this.user ? permissionsOf(this.user) : permissionsFor('viewer', ''));

  readonly api = new ApiClient({
    getKey: () => this.#key,
    onUnauthorized: (error) => this.expire(error),
  });

  /** On load: a key kept in this tab's session storage signs in again without asking. */
  async restore(): Promise<void> {
    const key = readKey();
    if (!key) {
      this.state = 'signed-out';
      return;
    }
    try {
      await this.signIn(key);
    } catch {
      if (this.state !== 'signed-out') this.signOut();
    }
  }

  /** Checks the key with `GET /users/me` before keeping it; throws the API's error when it is refused. */
  async signIn(key: string): Promise<void> {
    const trimmed = key.trim();
    const user = await this.api.whoami(trimmed);
    this.#key = trimmed;
    try {
      sessionStorage.setItem(STORAGE_KEY, trimmed);
    } catch {
      // Storage disabled: the session lasts as long as the page.
    }
    this.user = user;
    this.notice = '';
    this.state = 'signed-in';
  }

  signOut(notice = ''): void {
    this.#key = null;
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch {
      // Nothing stored.
    }
    this.user = null;
    this.notice = notice;
    this.state = 'signed-out';
  }

  /** A 401 on any call: the key expired or was revoked. */
  expire(error: ApiError): void {
    if (this.state !== 'signed-in') return;
    const id = error.requestId ? ` (request ${error.requestId})` : '';
    this.signOut(`Signed out: ${error.message}${id}. Sign in with a valid API key.`);
  }
}

function readKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export const session = new Session();
