import { PothosValidationError } from '@pothos/core';
import { getNullableType, GraphQLError, isListType, type GraphQLField } from 'graphql';

/** The most items one page of a connection holds. A larger `first`/`last` is refused, not cut short. */
export const MAX_PAGE_SIZE = 100;
/** A page's size when neither `first` nor `last` is given (Pothos's default, stated here so cost uses it too). */
export const DEFAULT_PAGE_SIZE = 20;
/** An unpaged list (a plan's steps, an execution's events) is counted as this many items. */
const UNPAGED_LIST_ITEMS = 10;

/** One refusal of a GraphQL limit: which limit, its value and what the operation asked for. */
export function limitExceeded(limit: string, message: string, max: number, actual?: number): GraphQLError {
  return new PothosValidationError(message, {
    extensions: {
      code: 'QUERY_TOO_COMPLEX',
      limit,
      max,
      ...(actual === undefined ? {} : { actual }),
      http: { status: 400 },
    },
  });
}

function pageSize(field: { name: string }, args: Record<string, unknown>): number {
  for (const name of ['first', 'last']) {
    const value = args[name];
    if (typeof value === 'number' && value > MAX_PAGE_SIZE) {
      throw limitExceeded('pageSize', `${field.name}(${name}: ${value}) asks for more than the page size limit of ${MAX_PAGE_SIZE}; page through with ${name === 'first' ? 'after' : 'before'}`, MAX_PAGE_SIZE, value);
    }
  }
  const size = args.first ?? args.last;
  return typeof size === 'number' ? Math.max(size, 0) : DEFAULT_PAGE_SIZE;
}

/**
 * Every field costs 1; what a list selects is counted once per item: `first`/`last` items for a
 * connection, a fixed estimate for unpaged lists. Thrown errors become validation errors, so a
 * page over the limit is refused before anything runs.
 */
export function fieldCost<Context>(args: Record<string, unknown>, _ctx: Context, field: GraphQLField<unknown, Context>): { field: number; multiplier: number } {
  if (field.args.some((arg) => arg.name === 'first')) return { field: 1, multiplier: pageSize(field, args) };
  return { field: 1, multiplier: isListType(getNullableType(field.type)) ? UNPAGED_LIST_ITEMS : 1 };
}
