import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { BatonError } from '../errors.ts';

export class RateLimitedError extends BatonError {
  readonly code = 'RATE_LIMITED';
  readonly status = 429;
  constructor(
    detail: string,
    readonly retryAfter: number,
  ) {
    super('Too many requests', detail);
  }

  override toGraphQL() {
    const error = super.toGraphQL();
    Object.assign(error.extensions, { retryAfter: this.retryAfter, http: { status: 429, headers: { 'retry-after': String(this.retryAfter) } } });
    return error;
  }
}

export interface RateLimits {
  /** GraphQL operations (over HTTP, SSE and WebSocket; REST requests are operations) per minute per tenant; 0 = unlimited. */
  perMinute: number;
  /** Failed authentications per minute per client address before its requests are refused. */
  authFailuresPerMinute: number;
  /** Deliveries per minute per inbound webhook; 0 = unlimited. */
  webhookPerMinute?: number;
  /** Counts are shared by every process through Redis when given (in memory while it is away). */
  redisUrl?: string;
}

/**
 * The one rate limiter: every operation is counted against its tenant once authenticated, or its
 * client address when anonymous; an address that keeps failing to authenticate is refused before
 * any key is looked up, so rotating made-up keys gets nowhere.
 */
export class RateLimiter {
  private readonly operations?: RateLimiterAbstract;
  private readonly failures: RateLimiterAbstract;
  private readonly webhooks?: RateLimiterAbstract;
  private readonly redis?: Redis;

  constructor(private readonly limits: RateLimits) {
    if (limits.redisUrl) {
      // No offline queue: while Redis is away a count fails at once and the in-memory insurance counts instead.
      this.redis = new Redis(limits.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
      this.redis.on('error', () => {});
    }
    const limiter = (keyPrefix: string, points: number) =>
      this.redis
        ? new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `baton:rate:${keyPrefix}`, points, duration: 60, insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: 60 }) })
        : new RateLimiterMemory({ keyPrefix, points, duration: 60 });
    if (limits.perMinute > 0) this.operations = limiter('operations', limits.perMinute);
    this.failures = limiter('auth-failures', limits.authFailuresPerMinute);
    if (limits.webhookPerMinute) this.webhooks = limiter('webhooks', limits.webhookPerMinute);
  }

  /** Counts one delivery to an inbound webhook (its own budget: a busy sender never slows the tenant's API). */
  async takeWebhook(webhookId: string): Promise<void> {
    if (!this.webhooks) return;
    await this.webhooks.consume(webhookId).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) return;
      const wait = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new RateLimitedError(`Webhook ${webhookId} is over its rate limit of ${this.limits.webhookPerMinute} deliveries a minute; retry in ${wait} s`, wait);
    });
  }

  /** Counts one operation of a tenant (`tenant:<id>`) or an anonymous address (`address:<ip>`). */
  async take(caller: string): Promise<void> {
    if (!this.operations) return;
    await this.operations.consume(caller).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) return;
      const wait = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw new RateLimitedError(`This ${caller.split(':')[0]} is over its rate limit of ${this.limits.perMinute} operations a minute; retry in ${wait} s`, wait);
    });
  }

  /** Refuses an address over its limit of failed authentications, before any work is done for it. */
  async checkAddress(address: string): Promise<void> {
    const counted = await this.failures.get(address).catch(() => null);
    if (counted && counted.consumedPoints >= this.limits.authFailuresPerMinute) {
      const wait = Math.max(1, Math.ceil(counted.msBeforeNext / 1000));
      throw new RateLimitedError(`Too many failed authentications from this address (over ${this.limits.authFailuresPerMinute} a minute); retry in ${wait} s`, wait);
    }
  }

  /** Counts a failed authentication of an address. */
  async failed(address: string): Promise<void> {
    await this.failures.consume(address).catch(() => {});
  }

  close(): void {
    this.redis?.disconnect();
  }
}
