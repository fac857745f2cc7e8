// Builds the evtx-to-JSON object of one record directly from the BinXML walk (no XML text involved).
//
// The shape is the one evtx-rs writes (and the SigmaHQ regression JSON uses):
//  - an element with only text becomes `"Name": value`; with nothing at all, `"Name": null`;
//  - attributes go to `"#attributes": {...}` (attributes with empty values are left out), and the
//    text then goes to `"#text"`;
//  - a value that is an element's (or attribute's) only content and is an integer or a boolean stays
//    a JSON number/boolean; everything else is text, several pieces concatenated;
//  - repeated child names get suffixes: Header, Header_1, Header_2, ...;
//  - inside EventData/UserData, `<Data Name="X">v</Data>` becomes `"X": v` (an empty Data is ""),
//    and when no Data has a Name, all Data values go to `"Data": {"#text": v}` or `{"#text": [v, ...]}`.
//
// The walker calls open / attr / text|val|ref / closeStart / (children) / close. Frames are pooled
// per depth so that a record allocates little beyond the objects it returns.
import type { FieldValue } from '../../events/model.js';
import type { JsonScalar } from './values.js';
import { setOwn } from '../../util/own-record.js';

type Obj = { [k: string]: FieldValue };

// Ordinary objects (the shape JSON.parse gives), with `__proto__` an own key like any other.
function setKey(o: Obj, k: string, v: FieldValue): void {
  if (k === '__proto__') setOwn(o, k, v);
  else o[k] = v;
}

class Frame {
  name = '';
  isData = false;
  isContainer = false;
  parentIsContainer = false;
  // attributes
  attrs: Obj | null = null;
  attrName: string | null = null;
  aCount = 0;
  aText = '';
  aNonEmpty = false;
  aNum: JsonScalar = null;
  aNumOk = false;
  nameKey: string | null = null;
  inStart = true;
  // content (non-element nodes)
  count = 0; // all child nodes, elements included
  text = '';
  textBlock = false; // non-empty text or a reference seen
  vCount = 0; // non-empty value nodes
  vLast: JsonScalar = null;
  vLastNum = false;
  firstNum: JsonScalar = null;
  firstIsNum = false;
  hasElem = false;
  // children: names, values (normal rendering), Data keys and Data values; kc entries in use
  kc = 0;
  kn: string[] = [];
  kv: FieldValue[] = [];
  kdk: (string | null)[] = [];
  kdv: FieldValue[] = [];

  reset(name: string, parentIsContainer: boolean): void {
    this.name = name;
    this.isData = name === 'Data';
    this.isContainer = name === 'EventData' || name === 'UserData';
    this.parentIsContainer = parentIsContainer;
    this.attrs = null;
    this.attrName = null;
    this.nameKey = null;
    this.inStart = true;
    this.count = 0;
    this.text = '';
    this.textBlock = false;
    this.vCount = 0;
    this.vLast = null;
    this.vLastNum = false;
    this.firstNum = null;
    this.firstIsNum = false;
    this.hasElem = false;
    this.kc = 0;
  }
}

export class JsonBuilder {
  private frames: Frame[] = [];
  private depth = 0;
  private rootName: string | null = null;
  private rootValue: FieldValue = null;
  /** Number of root elements seen (a record should have exactly one). */
  roots = 0;

  reset(): void {
    this.depth = 0;
    this.rootName = null;
    this.rootValue = null;
    this.roots = 0;
  }

  get openDepth(): number {
    return this.depth;
  }

  /** The record object: { RootName: value }, or null when no element was produced. */
  result(): Obj | null {
    if (this.rootName === null) return null;
    const o: Obj = {};
    setKey(o, this.rootName, this.rootValue);
    return o;
  }

  open(name: string): void {
    const d = this.depth;
    let parentIsContainer = false;
    if (d > 0) {
      const p = this.frames[d - 1]!;
      if (p.inStart) this.endStart(p);
      p.hasElem = true;
      p.count++;
      parentIsContainer = p.isContainer;
    }
    let f = this.frames[d];
    if (!f) {
      f = new Frame();
      this.frames.push(f);
    }
    f.reset(name, parentIsContainer);
    this.depth = d + 1;
  }

  attr(name: string): void {
    const f = this.frames[this.depth - 1];
    if (!f || !f.inStart) return;
    if (f.attrName !== null) this.finishAttr(f);
    f.attrName = name;
    f.aCount = 0;
    f.aText = '';
    f.aNonEmpty = false;
    f.aNum = null;
    f.aNumOk = false;
  }

  closeStart(): void {
    const f = this.frames[this.depth - 1];
    if (f && f.inStart) this.endStart(f);
  }

  /** Literal text: value-text tokens, string values, CDATA. */
  text(s: string): void {
    const f = this.frames[this.depth - 1];
    if (!f) return;
    if (f.inStart) {
      if (f.attrName === null) return;
      f.aCount++;
      if (s.length) {
        f.aText += s;
        f.aNonEmpty = true;
      }
      return;
    }
    f.count++;
    if (s.length) {
      f.text += s;
      f.textBlock = true;
    }
  }

  /** A typed (non-string) value. `numeric`: integer or boolean type; `empty`: null/empty value. */
  val(v: JsonScalar, numeric: boolean, empty: boolean): void {
    const f = this.frames[this.depth - 1];
    if (!f) return;
    const t = v === null ? '' : typeof v === 'string' ? v : String(v);
    if (f.inStart) {
      if (f.attrName === null) return;
      if (f.aCount === 0 && numeric && !empty) {
        f.aNum = v;
        f.aNumOk = true;
      }
      f.aCount++;
      f.aText += t;
      if (!empty) f.aNonEmpty = true;
      return;
    }
    if (f.count === 0 && numeric && !empty) {
      f.firstNum = v;
      f.firstIsNum = true;
    }
    f.count++;
    f.text += t;
    if (!empty) {
      f.vCount++;
      f.vLast = v;
      f.vLastNum = numeric;
    }
  }

  /** A resolved entity or character reference: always non-empty text. */
  ref(s: string): void {
    const f = this.frames[this.depth - 1];
    if (!f) return;
    if (f.inStart) {
      if (f.attrName === null) return;
      f.aCount++;
      f.aText += s;
      f.aNonEmpty = true;
      return;
    }
    f.count++;
    f.text += s;
    f.textBlock = true;
  }

  close(): void {
    const d = this.depth - 1;
    if (d < 0) return;
    const f = this.frames[d]!;
    if (f.inStart) this.endStart(f);
    this.depth = d;
    const nonEmpty = f.textBlock || f.vCount > 0;
    if (d === 0) {
      this.roots++;
      if (this.rootName === null) {
        this.rootName = f.name;
        this.rootValue = this.elementValue(f, nonEmpty);
      }
      return;
    }
    const p = this.frames[d - 1]!;
    const i = p.kc++;
    p.kn[i] = f.name;
    if (f.isData) {
      p.kdk[i] = f.nameKey;
      p.kdv[i] = !nonEmpty && !f.hasElem ? '' : f.hasElem ? this.body(f, nonEmpty, false) : this.contentValue(f);
      // Data directly under EventData/UserData is only ever rendered through its Data value.
      p.kv[i] = f.parentIsContainer ? null : this.elementValue(f, nonEmpty);
    } else {
      p.kdk[i] = null;
      p.kdv[i] = null;
      p.kv[i] = this.elementValue(f, nonEmpty);
    }
  }

  // -------------------------------------------------------------------------------------------

  private endStart(f: Frame): void {
    if (f.attrName !== null) this.finishAttr(f);
    f.inStart = false;
  }

  private finishAttr(f: Frame): void {
    const name = f.attrName!;
    f.attrName = null;
    if (!f.aNonEmpty) return;
    const v: FieldValue = f.aCount === 1 && f.aNumOk ? f.aNum : f.aText;
    if (f.attrs === null) f.attrs = {};
    setKey(f.attrs, name, v);
    if (name === 'Name' && f.isData) f.nameKey = f.aText;
  }

  /** The element's content as one JSON value: a lone integer/boolean stays typed, else the text. */
  private contentValue(f: Frame): FieldValue {
    return f.count === 1 && f.firstIsNum ? f.firstNum : f.text;
  }

  private elementValue(f: Frame, nonEmpty: boolean): FieldValue {
    if (!f.hasElem && f.attrs === null) return nonEmpty ? this.contentValue(f) : null;
    return this.body(f, nonEmpty, f.isContainer);
  }

  private body(f: Frame, nonEmpty: boolean, inContainer: boolean): Obj {
    const o: Obj = {};
    if (f.attrs !== null) o['#attributes'] = f.attrs;
    if (nonEmpty) o['#text'] = !f.textBlock && f.vCount === 1 && f.vLastNum ? f.vLast : f.text;
    const n = f.kc;
    if (n === 0) return o;
    const kn = f.kn;
    let flatten = false;
    let dataCount = 0;
    if (inContainer) {
      for (let i = 0; i < n; i++) {
        if (kn[i] === 'Data') {
          dataCount++;
          const k = f.kdk[i];
          if (k !== null && k !== undefined && k.length > 0) flatten = true;
        }
      }
    }
    let dataDone = false;
    for (let i = 0; i < n; i++) {
      const name = kn[i]!;
      if (inContainer && name === 'Data') {
        if (flatten) {
          const k = f.kdk[i];
          if (k !== null && k !== undefined && k.length > 0) setKey(o, k, f.kdv[i]!);
        } else if (!dataDone) {
          dataDone = true;
          if (dataCount === 1) o['Data'] = { '#text': f.kdv[i]! };
          else {
            const arr: FieldValue[] = [];
            for (let j = i; j < n; j++) if (kn[j] === 'Data') arr.push(f.kdv[j]!);
            o['Data'] = { '#text': arr };
          }
        }
        continue;
      }
      // `_N` suffixes for repeated names: N = earlier siblings with the same name (the first has none).
      let dup = 0;
      for (let j = 0; j < i; j++) if (kn[j] === name && !(inContainer && name === 'Data')) dup++;
      setKey(o, dup === 0 ? name : name + '_' + dup, f.kv[i]!);
    }
    return o;
  }
}
