// A line diff of two texts (longest common subsequence): what a reader compares between two versions
// of an output. Outputs are a few thousand lines at most; past 4,000 lines a side it compares in bulk.

/** [kind, line] pairs, kind ' ' (both), '-' (only in a), '+' (only in b). */
export function lineDiff(a, b) {
  const left = a.split('\n');
  const right = b.split('\n');
  if (left.length * right.length > 16_000_000) return [...left.map((line) => ['-', line]), ...right.map((line) => ['+', line])];
  const rows = left.length + 1;
  const cols = right.length + 1;
  const lengths = new Uint32Array(rows * cols);
  for (let i = left.length - 1; i >= 0; i--) {
    for (let j = right.length - 1; j >= 0; j--) {
      lengths[i * cols + j] = left[i] === right[j] ? lengths[(i + 1) * cols + j + 1] + 1 : Math.max(lengths[(i + 1) * cols + j], lengths[i * cols + j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    if (left[i] === right[j]) out.push([' ', left[i++]]), j++;
    else if (lengths[(i + 1) * cols + j] >= lengths[i * cols + j + 1]) out.push(['-', left[i++]]);
    else out.push(['+', right[j++]]);
  }
  while (i < left.length) out.push(['-', left[i++]]);
  while (j < right.length) out.push(['+', right[j++]]);
  return out;
}
