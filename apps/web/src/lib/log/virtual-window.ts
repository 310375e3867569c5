/** The rows a virtualised list renders for one scroll position. */
export interface VirtualWindow {
  /** First row to render (inclusive). */
  start: number;
  /** Last row to render (exclusive). */
  end: number;
  /** Offset of the first rendered row from the top of the scroll content, in px. */
  offset: number;
}

/**
 * Which rows to put in the DOM: the visible ones plus `overscan` on each side. Rows have a fixed height,
 * so the DOM holds about `viewport / rowHeight + 2 * overscan` rows whatever the log's length.
 */
export function virtualWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 20,
): VirtualWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0, offset: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first - overscan, total - 1));
  const end = Math.min(total, first + visible + overscan);
  return { start, end: Math.max(start, end), offset: start * rowHeight };
}
