/**
 * An HTTP failure the emulator injects, as a flaky network or an overloaded API would produce. The first
 * `times` requests that match fail, or with `forMs` every matching request for that long (an outage); with
 * `afterProcessing` the emulator first does the work (records the
 * events), then fails the response, which is what makes a blind client retry act twice.
 */
export interface RequestFault {
  /** HTTP method to match (any when omitted). */
  method?: string;
  /** URL path to match: exact string or pattern (any when omitted). */
  path?: string | RegExp;
  /** Matches on the parsed JSON body, e.g. `(body) => body.events[0].type === 'user.custom_tool_result'`. */
  when?: (body: unknown) => boolean;
  /** Status to answer with (default 500); ignored with `dropConnection`. */
  status?: number;
  /** Do the work, then fail the response. */
  afterProcessing?: boolean;
  /** Cut the connection instead of answering. */
  dropConnection?: boolean;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Instead of `times`: every matching request fails for this many milliseconds after the fault is armed. */
  forMs?: number;
}

/** The injected faults still armed, and how many times each has fired. */
export class RequestFaults {
  private readonly armed: Array<{ fault: RequestFault; left: number; until: number }> = [];
  fired = 0;

  /** Arms a fault. */
  add(fault: RequestFault): void {
    if (fault.forMs !== undefined && fault.times !== undefined) {
      throw new TypeError('failRequests: give times or forMs, not both');
    }
    const timed = fault.forMs !== undefined;
    this.armed.push({
      fault,
      left: timed ? Number.POSITIVE_INFINITY : (fault.times ?? 1),
      until: timed ? Date.now() + (fault.forMs as number) : Number.POSITIVE_INFINITY,
    });
  }

  /** Disarms every fault. */
  clear(): void {
    this.armed.length = 0;
  }

  /** The fault this request triggers, consuming one of its uses, or undefined. */
  take(method: string, path: string, body: unknown): RequestFault | undefined {
    for (const entry of this.armed) {
      const { fault } = entry;
      if (entry.left <= 0 || Date.now() >= entry.until) continue;
      if (fault.method && fault.method.toUpperCase() !== method) continue;
      if (fault.path !== undefined && !(typeof fault.path === 'string' ? fault.path === path : fault.path.test(path)))
        continue;
      if (fault.when && !safeMatch(fault.when, body)) continue;
      entry.left -= 1;
      this.fired += 1;
      return fault;
    }
    return undefined;
  }
}

function safeMatch(when: (body: unknown) => boolean, body: unknown): boolean {
  try {
    return when(body);
  } catch {
    return false;
  }
}
