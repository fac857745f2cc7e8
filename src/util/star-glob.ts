// Globs whose only wildcard is `*`, matched in linear time: anchored head and tail, the middle
// pieces found left to right (leftmost is always safe for `*`, so nothing is ever retried).

/** A test for the glob `segs.join('*')`: `segs` are the literal pieces between the stars. */
export function starGlob(segs: readonly string[]): (x: string) => boolean {
  if (segs.length === 1) { const only = segs[0]!; return (x) => x === only; }
  const head = segs[0]!, tail = segs.at(-1)!;
  const middle = segs.slice(1, -1).filter((s) => s);
  const minLen = segs.reduce((a, b) => a + b.length, 0);
  return (x) => {
    if (x.length < minLen || !x.startsWith(head) || !x.endsWith(tail)) return false;
    let pos = head.length;
    const end = x.length - tail.length;
    for (const m of middle) {
      const i = x.indexOf(m, pos);
      if (i < 0 || i + m.length > end) return false;
      pos = i + m.length;
    }
    return pos <= end;
  };
}
