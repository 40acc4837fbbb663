import { authenticate, type Credentials, type Tenant } from '../tenancy/auth.ts';
import { UnauthenticatedError } from '../errors.ts';
import type pg from 'pg';
import type { RateLimiter } from './rate-limit.ts';

/** What a request's headers carry: `Authorization` or `x-api-key`, and `x-tenant-id` or `X-Workspace-ID`. */
export const requestCredentials = (headers: Headers): Credentials => ({
  authorization: headers.get('authorization'),
  apiKey: headers.get('x-api-key'),
  tenantId: headers.get('x-tenant-id') ?? headers.get('x-workspace-id'),
});

/**
 * The tenant the credentials prove, through the one rate limiter: an address over its limit of failed
 * authentications is refused before any key is looked up, a failure counts against the address, and
 * the operation counts against the tenant.
 */
export async function authenticateCaller(pool: pg.Pool, limiter: RateLimiter, credentials: Credentials, address: string): Promise<Tenant> {
  await limiter.checkAddress(address);
  const tenant = await authenticate(pool, credentials).catch(async (error: unknown) => {
    if (error instanceof UnauthenticatedError) await limiter.failed(address);
    throw error;
  });
  await limiter.take(`tenant:${tenant.id}`);
  return tenant;
}
