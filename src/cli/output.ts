// Small formatting helpers for human output.
import { isAbsolute, relative, sep } from 'node:path';
export { formatSize } from '../bundler/index.ts';

/** Epoch milliseconds (or an ISO string) as "2024-05-01 12:00:03" in UTC, or "-" when absent. */
export function formatTime(t: number | string | null | undefined): string {
  if (t === null || t === undefined || t === '') return '-';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Precise timestamp for log lines: "2024-05-01T12:00:03.123Z". */
export function formatTimestamp(t: number | string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toISOString();
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms >= 10 ? ms.toFixed(0) : ms.toFixed(1)} ms`;
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** A path as the user would type it: relative to the working directory when inside it, else absolute. */
export function displayPath(p: string, cwd = process.cwd()): string {
  const r = relative(cwd, p);
  if (r === '') return '.';
  return r.startsWith('..') || isAbsolute(r) ? p : r.split(sep).join('/');
}
