/** A read run once, when a field first needs it: sibling fields of one dashboard share it. */
export type Lazy<T> = () => Promise<T>;

export function lazily<T>(load: () => Promise<T>): Lazy<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
