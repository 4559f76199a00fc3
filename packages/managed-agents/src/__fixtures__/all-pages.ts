/** Every item of a paginated list, walking the pages as the SDK does (Array.fromAsync needs Node 22). */
export async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of pages) items.push(item);
  return items;
}
