import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

/**
 * Every item of a Scan or Query, following `LastEvaluatedKey` until DynamoDB reports no more. A single
 * page stops at 1 MB, so a lookup that reads one page silently misses items on a large table.
 */
export async function allItems(
  readPage: (exclusiveStartKey: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await readPage(startKey);
    for (const item of page.Items ?? []) items.push(item);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
