// Multi-pattern substring search (Aho-Corasick) over UTF-16 code units: which of many literals occur
// in a string, in one pass over it. The automaton is compiled to a dense transition table over the
// characters that occur in the patterns (every other character leads back to the root), so a scan
// costs one table lookup per input character.

export class AhoCorasick {
  readonly size: number;
  /** ASCII code unit -> character class (0: not in any pattern); other code units in `wide` */
  private cls: Int32Array;
  private wide: Map<number, number>;
  private width: number;
  /** states x classes -> state (16-bit while the automaton has fewer than 65,536 states) */
  private delta: Int32Array | Uint16Array;
  /** pattern ids ending at a state, including those reached through failure links */
  private out: (number[] | null)[];

  constructor(patterns: readonly string[]) {
    this.size = patterns.length;
    const classOf = new Map<number, number>();
    for (const p of patterns) for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (!classOf.has(c)) classOf.set(c, classOf.size + 1);
    }
    this.width = classOf.size + 1;
    this.cls = new Int32Array(128);
    this.wide = new Map();
    for (const [c, k] of classOf) if (c < 128) this.cls[c] = k; else this.wide.set(c, k);

    // Trie.
    const children: Map<number, number>[] = [new Map()];
    const out: (number[] | null)[] = [null];
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const k = classOf.get(p.charCodeAt(i))!;
        let n = children[s]!.get(k);
        if (n === undefined) {
          n = children.length;
          children.push(new Map());
          out.push(null);
          children[s]!.set(k, n);
        }
        s = n;
      }
      (out[s] ??= []).push(id);
    });

    // Breadth-first: failure links, then the dense table (a state's failure row is always done first).
    const states = children.length, w = this.width;
    const delta = states < 65536 ? new Uint16Array(states * w) : new Int32Array(states * w);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (const [k, n] of children[0]!) { delta[k] = n; queue.push(n); }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      const f = fail[s]!;
      const fo = out[f];
      if (fo) out[s] = out[s] ? out[s]!.concat(fo) : fo;
      for (let k = 1; k < w; k++) {
        const n = children[s]!.get(k);
        if (n !== undefined) {
          fail[n] = delta[f * w + k]!;
          delta[s * w + k] = n;
          queue.push(n);
        } else delta[s * w + k] = delta[f * w + k]!;
      }
    }
    this.delta = delta;
    this.out = out;
  }

  /** Calls `hit` for every pattern id found in `text` (an id may be reported more than once). */
  scan(text: string, hit: (id: number) => void): void {
    const cls = this.cls, wide = this.wide, delta = this.delta, out = this.out, w = this.width;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * w + (c < 128 ? cls[c]! : wide.get(c) ?? 0)]!;
      const o = out[s];
      if (o !== null) for (let k = 0; k < o!.length; k++) hit(o![k]!);
    }
  }

  /** True as soon as any pattern occurs in `text`. */
  test(text: string): boolean {
    const cls = this.cls, wide = this.wide, delta = this.delta, out = this.out, w = this.width;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = delta[s * w + (c < 128 ? cls[c]! : wide.get(c) ?? 0)]!;
      if (out[s] !== null) return true;
    }
    return false;
  }
}
