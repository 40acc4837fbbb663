/**
 * Whether an error means the database could not be reached or dropped the connection (an outage, a
 * restart), as opposed to a fault of the request or of Baton: callers answer 503 and retry later.
 * Errors arrive raw from pg, from pg-boss, or wrapped by Prisma (its own codes, or the driver
 * adapter's error in `meta`), so the error and what it wraps are all looked at.
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let seen = 0, current = error; current && typeof current === 'object' && seen < 5; seen++) {
    const { code, message, meta, cause } = current as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
    if (typeof code === 'string' && (CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof message === 'string' && MESSAGES.test(message)) return true;
    current = meta?.driverAdapterError ?? cause;
  }
  return false;
}

const CODES = new Set([
  // Node's sockets (a server that is down, restarting, or gone mid-query).
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  // Prisma: server unreachable, connect timeout, operation timeout, connection closed, pool timeout.
  'P1001', 'P1002', 'P1008', 'P1017', 'P2024',
  // PostgreSQL (class 08 is "connection exception"): shut down by an administrator, crash
  // shutdown, starting up or shutting down, too many connections.
  '57P01', '57P02', '57P03', '53300',
]);

// A Unix socket that is gone says ENOENT, which alone could be any missing file; pg's own wording
// when a connection ends or cannot be had.
const MESSAGES = /connect ENOENT|Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i;
