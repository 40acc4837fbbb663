/** US dollars per million tokens. */
export interface Price {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Prices by model-id prefix (the longest matching prefix wins). Estimates for reports, not a bill:
 * set BATON_PRICES (a JSON object of prefix → { input, output, cacheRead?, cacheWrite? }) to match
 * your contract.
 */
export type PriceTable = Readonly<Record<string, Price>>;

const price = (input: number, output: number): Price => ({ input, output, cacheRead: input / 10, cacheWrite: input * 1.25 });

export const DEFAULT_PRICES: PriceTable = {
  'claude-opus': price(15, 75),
  'claude-mythos': price(15, 75),
  'claude-sonnet': price(3, 15),
  'claude-fable': price(3, 15),
  'claude-haiku': price(1, 5),
  offline: price(0, 0),
};

export function estimateCost(table: PriceTable, modelId: string, usage: { tokensIn: number; tokensOut: number; tokensCacheRead: number; tokensCacheWrite: number }): number {
  const prefix = Object.keys(table)
    .filter((candidate) => modelId.startsWith(candidate))
    .sort((a, b) => b.length - a.length)[0];
  if (!prefix) return 0;
  const p = table[prefix];
  return (usage.tokensIn * p.input + usage.tokensOut * p.output + usage.tokensCacheRead * p.cacheRead + usage.tokensCacheWrite * p.cacheWrite) / 1_000_000;
}
