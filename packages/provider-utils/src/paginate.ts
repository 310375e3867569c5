/** One page of a provider listing: its items and the token of the next page, if any. */
export interface Page<Item, Token> {
  items: readonly Item[];
  next?: Token | undefined | null;
}

/**
 * Iterates every item of a paged listing, one page in memory at a time. `fetchPage(undefined)` reads the
 * first page. Stops when a page has no next token, or when a provider repeats the token it was given
 * (CloudWatch's GetLogEvents does that at the end of a stream), so a faulty backend cannot loop forever.
 */
export async function* paginate<Item, Token>(
  fetchPage: (token: Token | undefined) => Promise<Page<Item, Token>>,
  options: { signal?: AbortSignal | undefined; maxPages?: number } = {},
): AsyncGenerator<Item, void, undefined> {
  let token: Token | undefined;
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  for (let pages = 0; pages < maxPages; pages++) {
    options.signal?.throwIfAborted();
    const page = await fetchPage(token);
    yield* page.items;
    const next = page.next ?? undefined;
    if (next === undefined || next === token) return;
    token = next;
  }
}

/** Every item of a paged listing as one array (for listings known to be small). */
export async function collectAll<Item, Token>(
  fetchPage: (token: Token | undefined) => Promise<Page<Item, Token>>,
  options: { signal?: AbortSignal | undefined; maxPages?: number } = {},
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of paginate(fetchPage, options)) items.push(item);
  return items;
}
