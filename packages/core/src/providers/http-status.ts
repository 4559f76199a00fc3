/** The HTTP status an SDK's API error carries, or undefined for a connection failure or any other error. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Whether a request that failed with `status` may pass on a retry: 408, 409, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** A 4xx that retrying cannot fix: a wrong id, a revoked key, a request the server will always refuse. */
export function isPermanentClientError(error: unknown): boolean {
  const status = httpStatus(error);
  return status !== undefined && status >= 400 && status < 500 && !isRetryableStatus(status);
}
