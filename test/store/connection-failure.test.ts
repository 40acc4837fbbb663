import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { isConnectionFailure } from '../../src/store/connection-failure.ts';
import { maskError } from '../../src/server/yoga.ts';

const withCode = (message: string, code: string, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });

// Shapes as pg, pg-boss and Prisma (with @prisma/adapter-pg) report them when PostgreSQL stops.
const failures = {
  'refused (TCP)': withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
  'socket gone (Unix socket)': withCode('\nInvalid `db.apiKey.findUnique()` invocation:\n\nconnect ENOENT /tmp/x/.s.PGSQL.5432', 'ENOENT'),
  'admin shutdown, through the driver adapter': withCode('Raw query failed. Code: `57P01`.', 'P2010', {
    meta: { driverAdapterError: { name: 'DriverAdapterError', cause: { kind: 'postgres', code: '57P01' } } },
  }),
  'shutting down': withCode('the database system is shutting down', '57P03'),
  'unreachable (Prisma)': withCode("Can't reach database server", 'P1001'),
  'closed (Prisma)': withCode('Server has closed the connection.', 'P1017'),
  'pool timeout (Prisma)': withCode('Timed out fetching a new connection from the connection pool.', 'P2024'),
  'terminated (pg)': new Error('Connection terminated unexpectedly'),
  'connection exception class': withCode('connection failure', '08006'),
};

describe('connection failures', () => {
  it.each(Object.entries(failures))('are recognised: %s', (_, error) => {
    expect(isConnectionFailure(error)).toBe(true);
    expect(isConnectionFailure(new GraphQLError('wrapped', { originalError: error }).originalError)).toBe(true);
  });

  it('and nothing else is', () => {
    expect(isConnectionFailure(withCode('Unique constraint failed', 'P2002'))).toBe(false);
    expect(isConnectionFailure(withCode("ENOENT: no such file or directory, open 'x'", 'ENOENT'))).toBe(false);
    expect(isConnectionFailure(new TypeError('x is undefined'))).toBe(false);
    expect(isConnectionFailure(undefined)).toBe(false);
  });

  it('answer 503 with Retry-After in GraphQL, where anything else unexpected is a 500', () => {
    const masked = maskError(new GraphQLError('boom', { path: ['workflows'], originalError: failures['closed (Prisma)'] })) as GraphQLError;
    expect(masked.path).toEqual(['workflows']);
    expect(masked.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': '5' } } });
    expect((maskError(new TypeError('x is undefined')) as GraphQLError).extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', http: { status: 500 } });
  });
});
