/** A diagnostic: where (1-based line and column of the offending text), how bad, and how to fix it. */
export interface CompilerNote {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  line: number;
  column: number;
}

export interface Position {
  line: number;
  column: number;
}

/** Collects notes during one compilation. */
export class Notes {
  readonly list: CompilerNote[] = [];

  error(code: string, message: string, at: Position): void {
    this.list.push({ severity: 'error', code, message, line: at.line, column: at.column });
  }

  warning(code: string, message: string, at: Position): void {
    this.list.push({ severity: 'warning', code, message, line: at.line, column: at.column });
  }

  info(code: string, message: string, at: Position): void {
    this.list.push({ severity: 'info', code, message, line: at.line, column: at.column });
  }

  /** In document order, so the output is the same for the same input. */
  sorted(): CompilerNote[] {
    return [...this.list].sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code) || a.message.localeCompare(b.message));
  }
}

/** Edit distance where swapping two neighbouring letters counts as one edit (`Modle` → `Model`). */
function distance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], rows[i - 2][j - 2] + 1);
    }
    rows.push(row);
  }
  return rows[a.length][b.length];
}

const comparable = (text: string) => text.toLowerCase().replace(/[\s_-]+/g, '');

/** The candidate closest to `wrong` when it is close enough to be a typo, else undefined. */
export function closest(wrong: string, candidates: Iterable<string>): string | undefined {
  const target = comparable(wrong);
  if (target.length > 64) return undefined;
  const allowed = Math.max(1, Math.floor(target.length / 3));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const candidate of candidates) {
    const other = comparable(candidate);
    // The length difference is a lower bound of the distance: skip the work when it is already too far.
    if (Math.abs(other.length - target.length) >= bestDistance) continue;
    const d = distance(target, other);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** " (did you mean `x`?)" or "". */
export function didYouMean(wrong: string, candidates: Iterable<string>): string {
  const match = closest(wrong, candidates);
  return match === undefined ? '' : ` Did you mean \`${match}\`?`;
}
