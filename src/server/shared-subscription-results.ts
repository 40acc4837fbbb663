import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';

/**
 * Each published event's result, by operation: an event that many subscribers receive with the same
 * operation (a dashboard's 1,000 viewers of one execution) is executed once, not once per subscriber.
 * Held weakly by the event object, so results go when the event does.
 */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

/**
 * A subscription as graphql's `subscribe` runs it (the source stream from the field's `subscribe`,
 * each event executed with the event as root value, errors masked with `mask`), except that
 * subscribers with the same `key` (same document, variables and tenant) share the execution of
 * each event they all receive.
 */
export async function subscribeShared(args: ExecutionArgs, key: string, mask: (error: GraphQLError) => GraphQLError): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return { errors: source.errors?.map(mask) };
  const events = source[Symbol.asyncIterator]();
  const resultOf = (event: unknown): Promise<ExecutionResult> => {
    const run = async () => {
      const result = await execute({ ...args, rootValue: event });
      return result.errors ? { ...result, errors: result.errors.map(mask) } : result;
    };
    if (typeof event !== 'object' || event === null) return run();
    let byKey = results.get(event);
    if (!byKey) results.set(event, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = run()));
    return result;
  };
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    [Symbol.asyncIterator]: () => iterator,
    async next() {
      // A source that fails (a subscriber too slow) ends the subscription with its error, masked.
      const step = await events.next().catch((error: unknown) => {
        throw mask(error as GraphQLError);
      });
      return step.done ? { done: true, value: undefined } : { done: false, value: await resultOf(step.value) };
    },
    return: async () => {
      await events.return?.();
      return { done: true, value: undefined };
    },
    throw: async (error: unknown) => {
      await events.return?.();
      throw error;
    },
  };
  return iterator;
}
