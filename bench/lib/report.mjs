// Plain-text formatting for the bench report.

/**
 * Left-align the first column, right-align the rest.
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function formatTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** @param {number} v milliseconds */
export const ms = (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '-');

/** @param {number} bytes */
export const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** @param {number} ratio */
export const pct = (ratio) => `${Math.round(ratio * 100)}%`;
