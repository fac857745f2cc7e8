// Multi-pattern substring search (Aho-Corasick) over UTF-16 code units: which of many literals occur
// in a string, in one pass over it. States are numbered breadth-first; the shallow ones (where a
// scan spends nearly all its time) get a dense transition row over the characters that occur in
// the patterns, so a step there is one table lookup. Deeper states keep only their trie edges and
// a failure link: thousands of long literals would otherwise need tens of megabytes of rows.

/** Dense rows are given to the first states (breadth-first) up to this many table cells. */
const DENSE_CELLS = 1 << 20;

export class AhoCorasick {
  readonly size: number;
  /** ASCII code unit -> character class (0: not in any pattern); other code units in `wide` */
  private cls: Int32Array;
  private wide: Map<number, number>;
  private width: number;
  /** states below this have a dense row */
  private dense: number;
  /** dense rows: state x class -> state */
  private delta: Int32Array | Uint16Array;
  /** sparse states: edges first[s - dense] .. first[s - dense + 1] of edgeCls/edgeTo */
  private first: Int32Array;
  private edgeCls: Int32Array;
  private edgeTo: Int32Array;
  private fail: Int32Array;
  /** pattern ids ending at a state, including those reached through failure links */
  private out: (number[] | null)[];

  /** `denseCells` bounds the dense rows (tests shrink it to exercise the sparse states). */
  constructor(patterns: readonly string[], denseCells = DENSE_CELLS) {
    this.size = patterns.length;
    const classOf = new Map<number, number>();
    for (const p of patterns) for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (!classOf.has(c)) classOf.set(c, classOf.size + 1);
    }
    const w = (this.width = classOf.size + 1);
    this.cls = new Int32Array(128);
    this.wide = new Map();
    for (const [c, k] of classOf) if (c < 128) this.cls[c] = k; else this.wide.set(c, k);

    // Trie, in insertion numbering.
    const children: Map<number, number>[] = [new Map()];
    const ends: (number[] | null)[] = [null];
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = classOf.get(p.charCodeAt(i))!;
        let n = children[s]!.get(k);
        if (n === undefined) {
          n = children.length;
          children.push(new Map());
          ends.push(null);
          children[s]!.set(k, n);
        }
        s = n;
      }
      (ends[s] ??= []).push(id);
    });

    // Breadth-first renumbering: a state's failure target is always shallower, hence numbered lower.
    const states = children.length;
    const order = [0];
    const id = new Int32Array(states);
    for (let qi = 0; qi < order.length; qi++) {
      for (const n of children[order[qi]!]!.values()) { id[n] = order.length; order.push(n); }
    }
    const dense = (this.dense = Math.max(1, Math.min(states, Math.floor(denseCells / w))));
    const delta = (this.delta = states < 65536 ? new Uint16Array(dense * w) : new Int32Array(dense * w));
    const first = (this.first = new Int32Array(states - dense + 1));
    let edges = 0;
    for (let s = dense; s < states; s++) edges += children[order[s]!]!.size;
    this.edgeCls = new Int32Array(edges);
    this.edgeTo = new Int32Array(edges);
    const fail = (this.fail = new Int32Array(states));
    const out: (number[] | null)[] = (this.out = new Array<number[] | null>(states).fill(null));

    let e = 0;
    for (let s = 0; s < states; s++) {
      const kids = children[order[s]!]!;
      const f = fail[s]!;
      const own = ends[order[s]!]!;
      const inherited = s === 0 ? null : out[f]!;
      out[s] = own && inherited ? own.concat(inherited) : own ?? inherited;
      if (s >= dense) first[s - dense] = e;
      for (const [k, n] of kids) {
        const t = id[n]!;
        fail[t] = s === 0 ? 0 : this.step(f, k);
        if (s >= dense) { this.edgeCls[e] = k; this.edgeTo[e++] = t; }
      }
      if (s < dense) {
        for (let k = 1; k < w; k++) {
          const n = kids.get(k);
          delta[s * w + k] = n !== undefined ? id[n]! : s === 0 ? 0 : delta[f * w + k]!;
        }
      }
    }
    first[states - dense] = e;
  }

  /** The state after reading class `k` in state `s`. */
  private step(s: number, k: number): number {
    const dense = this.dense;
    while (s >= dense) {
      const i = s - dense;
      for (let e = this.first[i]!, end = this.first[i + 1]!; e < end; e++) if (this.edgeCls[e] === k) return this.edgeTo[e]!;
      s = this.fail[s]!;
    }
    return this.delta[s * this.width + k]!;
  }

  /** Calls `hit` for every pattern id found in `text` (an id may be reported more than once). */
  scan(text: string, hit: (id: number) => void): void {
    const cls = this.cls, wide = this.wide, delta = this.delta, out = this.out, w = this.width, dense = this.dense;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? cls[c]! : wide.get(c) ?? 0;
      s = s < dense ? delta[s * w + k]! : this.step(s, k);
      const o = out[s];
      if (o !== null) for (let j = 0; j < o!.length; j++) hit(o![j]!);
    }
  }

  /** True as soon as any pattern occurs in `text`. */
  test(text: string): boolean {
    const cls = this.cls, wide = this.wide, delta = this.delta, out = this.out, w = this.width, dense = this.dense;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? cls[c]! : wide.get(c) ?? 0;
      s = s < dense ? delta[s * w + k]! : this.step(s, k);
      if (out[s] !== null) return true;
    }
    return false;
  }

  /** Bytes held by the transition tables (for memory reports). */
  get tableBytes(): number {
    return this.delta.byteLength + this.first.byteLength + this.edgeCls.byteLength + this.edgeTo.byteLength + this.fail.byteLength;
  }
}
