/**
 * Requests per minute per API key, counted in fixed one-minute windows in this process (with
 * several API processes each counts its own). 0 turns it off.
 */
export class RateLimiter {
  private window = 0;
  private counts = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  /** Counts a request; returns the seconds to wait when the caller is over its limit. */
  take(request: Request): number | undefined {
    if (this.perMinute === 0) return undefined;
    const key = callerOf(request);
    if (!key) return undefined;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.perMinute ? Math.ceil(((window + 1) * 60_000 - now) / 1000) : undefined;
  }
}

/** The API key a request presents (unauthenticated requests are refused anyway, so they are not counted). */
function callerOf(request: Request): string | undefined {
  const bearer = request.headers.get('authorization')?.match(/^Bearer\s+(\S+)/i)?.[1];
  return bearer ?? request.headers.get('x-api-key') ?? undefined;
}
