// Multi-pattern substring search (Aho-Corasick) over UTF-16 code units: which of many literals occur
// in a string, in one pass over it.

export class AhoCorasick {
  private next: Map<number, number>[] = [new Map()];
  private fail: number[] = [0];
  /** Pattern ids ending at a node, including those reached through failure links. */
  private out: number[][] = [[]];
  readonly size: number;

  constructor(patterns: readonly string[]) {
    this.size = patterns.length;
    patterns.forEach((p, id) => {
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = p.charCodeAt(i);
        let n = this.next[s]!.get(c);
        if (n === undefined) {
          n = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          this.next[s]!.set(c, n);
        }
        s = n;
      }
      this.out[s]!.push(id);
    });
    const queue: number[] = [];
    for (const n of this.next[0]!.values()) queue.push(n);
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const [c, n] of this.next[s]!) {
        queue.push(n);
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const g = this.next[f]!.get(c);
        this.fail[n] = g !== undefined && g !== n ? g : 0;
        const fo = this.out[this.fail[n]!]!;
        if (fo.length) this.out[n] = this.out[n]!.concat(fo);
      }
    }
  }

  /** Calls `hit` for every pattern id found in `text` (an id may be reported more than once). */
  scan(text: string, hit: (id: number) => void): void {
    let s = 0;
    const next = this.next, fail = this.fail, out = this.out;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let n = next[s]!.get(c);
      while (n === undefined && s !== 0) {
        s = fail[s]!;
        n = next[s]!.get(c);
      }
      s = n ?? 0;
      const o = out[s]!;
      for (let k = 0; k < o.length; k++) hit(o[k]!);
    }
  }
}
