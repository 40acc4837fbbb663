/** `Market Analysis` → `market_analysis`: lowercase, runs outside a-z0-9 become `_`, trimmed of `_`. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}
