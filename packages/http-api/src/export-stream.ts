import { type AstrocyteContext, type Brain, memoryToJson } from '@astrocyte/core';

// Large enough that a big bank takes few round trips to the store, small enough that one page is little memory.
const PAGE_SIZE = 500;

/**
 * Every live memory of a bank as JSON Lines, read a page at a time as the client reads the stream: memory use stays
 * flat however large the bank, and a slow client holds the export back instead of filling the server's memory. The
 * first page is read before the response starts, so that a denied or invalid request still gets its error status; a
 * later page that fails goes to `failedMidway`, which cuts the response (a stream that errors is logged, stack and
 * all, by Node's adapter, which also writes the error's message into the body).
 */
export async function exportStream(
  brain: Brain,
  bankId: string,
  context: AstrocyteContext,
  failedMidway: (error: unknown) => boolean,
): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const read = (cursor?: string) => brain.list(bankId, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}), context });
  let page: Awaited<ReturnType<typeof read>> | null = await read();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (page === null) {
          controller.close();
          return;
        }
        const lines = page.items.map((memory) => `${JSON.stringify(memoryToJson(memory))}\n`).join('');
        try {
          page = page.nextCursor ? await read(page.nextCursor) : null;
        } catch (error) {
          if (failedMidway(error)) controller.close();
          else controller.error(error);
          return;
        }
        if (lines.length > 0) controller.enqueue(encoder.encode(lines));
        else if (page === null) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
