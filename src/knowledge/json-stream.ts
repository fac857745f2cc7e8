// A streaming reader for STIX bundles: `{"type":"bundle", ..., "objects":[{...}, {...}]}` read in
// chunks of bytes, each element of `objects` cut out and parsed on its own, so a bundle of any size
// is read with memory bounded by its largest object (V8 cannot hold a string over ~512 MiB, so one
// JSON.parse of a big bundle is not an option). A top-level array of objects is read the same way.
// Structure is checked byte by byte at the two outer levels; each element's own syntax is checked by
// JSON.parse. Errors carry the byte offset in the (decompressed) input.

export class JsonStreamError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

const enum St {
  Start, ObjKeyOrEnd, ObjKey, KeyStr, Colon, ObjValue, ObjAfter, ArrElemOrEnd, ArrElem, ArrAfter, Value, End,
}

const BOM = [0xef, 0xbb, 0xbf];

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function show(c: number): string {
  return c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

export interface ScanResult {
  /** the top level was an array (of objects) rather than an object */
  topArray: boolean;
  /** the top-level object's members other than `objects` */
  props: Record<string, unknown>;
  /** a member `objects` holding an array was met (its elements went to `onElement`) */
  sawObjects: boolean;
  elements: number;
  bytes: number;
}

export class BundleScanner {
  private st: St = St.Start;
  private pos = 0;
  private topArray = false;
  private inElements = false;
  private key = '';
  private keyParts: Buffer[] = [];
  private keySize = 0;
  // the value being cut out
  private vParts: Buffer[] = [];
  private vSize = 0;
  private vStart = 0;
  private vOffset = 0;
  private vDepth = 0;
  private vStr = false;
  private vEsc = false;
  private vPrim = false;
  private kEsc = false;
  private elements = 0;
  private sawObjects = false;
  private props: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  /** bytes of a UTF-8 byte order mark seen at the start */
  private bom = 0;

  constructor(
    private readonly onElement: (value: unknown, index: number, offset: number) => void,
    private readonly maxValueBytes = 256 << 20,
  ) {}

  private fail(msg: string, at: number): never {
    throw new JsonStreamError(msg, at);
  }

  push(b: Buffer): void {
    let i = 0;
    const n = b.length;
    if (this.st === St.Value) this.vStart = i;
    while (i < n) {
      const c = b[i]!;
      switch (this.st) {
        case St.Value: {
          if (this.vPrim) {
            if (c === 0x2c || c === 0x5d || c === 0x7d || isWs(c)) { this.finishValue(b, i); continue; }
            i++;
            continue;
          }
          if (this.vStr) {
            if (this.vEsc) { this.vEsc = false; i++; continue; }
            // jump to the next quote; an odd run of backslashes before it escapes it
            const q = b.indexOf(0x22, i);
            if (q < 0) {
              let k = n - 1, run = 0;
              while (k >= i && b[k] === 0x5c) { run++; k--; }
              this.vEsc = run % 2 === 1;
              i = n;
              continue;
            }
            let k = q - 1, run = 0;
            while (k >= i && b[k] === 0x5c) { run++; k--; }
            i = q + 1;
            if (run % 2 === 1) continue;
            this.vStr = false;
            if (this.vDepth === 0) this.finishValue(b, i);
            continue;
          }
          if (c === 0x22) this.vStr = true;
          else if (c === 0x7b || c === 0x5b) this.vDepth++;
          else if (c === 0x7d || c === 0x5d) {
            if (--this.vDepth === 0) { i++; this.finishValue(b, i); continue; }
          }
          i++;
          continue;
        }
        case St.Start:
          if (this.pos + i === this.bom && this.bom < 3 && c === BOM[this.bom]) { this.bom++; i++; continue; }
          if (this.bom === 1 || this.bom === 2) this.fail('not JSON: an incomplete byte order mark', this.pos + i);
          if (isWs(c)) { i++; continue; }
          if (c === 0x7b) { this.st = St.ObjKeyOrEnd; i++; continue; }
          if (c === 0x5b) { this.topArray = true; this.inElements = true; this.st = St.ArrElemOrEnd; i++; continue; }
          this.fail(`not JSON: expected '{' or '[' but found ${show(c)}`, this.pos + i);
        case St.ObjKeyOrEnd:
        case St.ObjKey:
          if (isWs(c)) { i++; continue; }
          if (c === 0x22) { this.st = St.KeyStr; this.keyParts = []; this.keySize = 0; this.kEsc = false; i++; continue; }
          if (c === 0x7d && this.st === St.ObjKeyOrEnd) { this.st = St.End; i++; continue; }
          this.fail(`malformed JSON: expected a member name but found ${show(c)}`, this.pos + i);
        case St.KeyStr: {
          const start = i;
          while (i < n) {
            const d = b[i]!;
            if (this.kEsc) this.kEsc = false;
            else if (d === 0x5c) this.kEsc = true;
            else if (d === 0x22) break;
            i++;
          }
          this.keyParts.push(b.subarray(start, i));
          this.keySize += i - start;
          if (this.keySize > 4096) this.fail('malformed JSON: a member name longer than 4096 bytes', this.pos + i);
          if (i < n) {
            const raw = Buffer.concat(this.keyParts).toString('utf8');
            try { this.key = JSON.parse(`"${raw}"`) as string; } catch { this.fail('malformed JSON: bad member name', this.pos + i); }
            this.st = St.Colon;
            i++;
          }
          continue;
        }
        case St.Colon:
          if (isWs(c)) { i++; continue; }
          if (c === 0x3a) { this.st = St.ObjValue; i++; continue; }
          this.fail(`malformed JSON: expected ':' but found ${show(c)}`, this.pos + i);
        case St.ObjValue:
          if (isWs(c)) { i++; continue; }
          if (this.key === 'objects' && c === 0x5b) { this.sawObjects = true; this.inElements = true; this.st = St.ArrElemOrEnd; i++; continue; }
          this.beginValue(c, i);
          continue;
        case St.ObjAfter:
          if (isWs(c)) { i++; continue; }
          if (c === 0x2c) { this.st = St.ObjKey; i++; continue; }
          if (c === 0x7d) { this.st = St.End; i++; continue; }
          this.fail(`malformed JSON: expected ',' or '}' but found ${show(c)}`, this.pos + i);
        case St.ArrElemOrEnd:
        case St.ArrElem:
          if (isWs(c)) { i++; continue; }
          if (c === 0x5d && this.st === St.ArrElemOrEnd) { this.endArray(); i++; continue; }
          if (c === 0x5d || c === 0x2c) this.fail(`malformed JSON: expected a value but found ${show(c)}`, this.pos + i);
          this.beginValue(c, i);
          continue;
        case St.ArrAfter:
          if (isWs(c)) { i++; continue; }
          if (c === 0x2c) { this.st = St.ArrElem; i++; continue; }
          if (c === 0x5d) { this.endArray(); i++; continue; }
          this.fail(`malformed JSON: expected ',' or ']' but found ${show(c)}`, this.pos + i);
        case St.End:
          if (isWs(c)) { i++; continue; }
          this.fail(`malformed JSON: data after the end of the document (${show(c)})`, this.pos + i);
      }
    }
    if (this.st === St.Value) {
      if (this.vStart < n) this.vParts.push(b.subarray(this.vStart, n));
      this.vSize += n - this.vStart;
      if (this.vSize > this.maxValueBytes) this.fail(`a single JSON value larger than ${this.maxValueBytes >> 20} MiB`, this.vOffset);
    }
    this.pos += n;
  }

  private endArray(): void {
    this.inElements = false;
    this.st = this.topArray ? St.End : St.ObjAfter;
  }

  private beginValue(c: number, i: number): void {
    this.st = St.Value;
    this.vParts = [];
    this.vSize = 0;
    this.vStart = i;
    this.vOffset = this.pos + i;
    this.vDepth = 0;
    this.vStr = false;
    this.vEsc = false;
    this.vPrim = false;
    // the first byte is consumed by the Value state itself (a quote or bracket sets the state there)
    if (c !== 0x22 && c !== 0x7b && c !== 0x5b) this.vPrim = true;
  }

  private finishValue(b: Buffer, end: number): void {
    const parts = this.vParts;
    parts.push(b.subarray(this.vStart, end));
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
    this.vParts = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const what = this.inElements ? `${this.topArray ? 'element' : 'objects'}[${this.elements}]` : `member '${this.key}'`;
      this.fail(`malformed JSON in ${what}: ${(e as Error).message}`, this.vOffset);
    }
    if (this.inElements) {
      this.onElement(value, this.elements++, this.vOffset);
      this.st = St.ArrAfter;
    } else {
      this.props[this.key] = value;
      this.st = St.ObjAfter;
    }
  }

  /** Call after the last chunk; throws when the document is incomplete. */
  end(): ScanResult {
    if (this.st === St.Value && this.vPrim) {
      // a bare primitive at the very end cannot be a member or element (those are followed by , ] or })
      this.fail('unexpected end of input (truncated JSON?)', this.pos);
    }
    if (this.st === St.Start) this.fail('empty input: no JSON document', this.pos);
    if (this.st !== St.End) this.fail('unexpected end of input (truncated JSON?)', this.pos);
    return { topArray: this.topArray, props: this.props, sawObjects: this.sawObjects, elements: this.elements, bytes: this.pos };
  }
}
