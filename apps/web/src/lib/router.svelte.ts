import { matchRoute, type Route } from './routes.js';

export { paths, type Route } from './routes.js';

/** The current view, kept in step with the address bar (History API; no hash routes). */
class Router {
  route = $state<Route>(matchRoute(location.pathname));
  query = $state<URLSearchParams>(new URLSearchParams(location.search));

  constructor() {
    window.addEventListener('popstate', () => this.#sync());
    // One listener for every internal link: plain clicks stay in the app, modified ones open normally.
    document.addEventListener('click', (event) => {
      if (event.defaultPrevented || event.button !== 0) return;
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const anchor = (event.target as Element | null)?.closest?.('a');
      if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
      const url = new URL(anchor.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
      event.preventDefault();
      this.navigate(url.pathname + url.search + url.hash);
    });
  }

  navigate(to: string, options: { replace?: boolean } = {}): void {
    if (to === location.pathname + location.search) return;
    if (options.replace) history.replaceState(null, '', to);
    else history.pushState(null, '', to);
    this.#sync();
    if (!options.replace) window.scrollTo(0, 0);
  }

  #sync(): void {
    this.route = matchRoute(location.pathname);
    this.query = new URLSearchParams(location.search);
  }
}

export const router = new Router();
