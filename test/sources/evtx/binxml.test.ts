// Unit tests of the BinXML token stream and the JSON/XML builders, on chunks assembled byte by byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeChunk } from '../../../src/sources/evtx/chunk.js';
import type { ChunkResult, EvtxRecord } from '../../../src/sources/evtx/types.js';
import { Bx, ChunkWriter, T, filetime, i32, systemTemplate, u16, u32, u64, utf16 } from './assemble.js';
import { parseXml } from './xml-tiny.js';

const SID = Buffer.concat([Buffer.from([1, 1, 0, 0, 0, 0, 0, 5]), u32(18)]); // S-1-5-18
const TIME = u64(filetime('2016-07-08T18:12:51.681Z', 6406n));

function decode(w: ChunkWriter, xml = true): ChunkResult {
  return decodeChunk(w.finish(), 0, 4096, { xml });
}
function only(r: ChunkResult): EvtxRecord {
  assert.deepEqual(r.problems.filter((p) => p.severity !== 'warning' && p.severity !== 'info'), []);
  assert.equal(r.records.length, 1);
  return r.records[0]!;
}
function sysValues(eventId: number, provider: string, sid: Buffer | null): [number, Buffer][] {
  return [
    [T.UINT16, u16(eventId)],
    [T.STRING, utf16(provider)],
    [T.FILETIME, TIME],
    [T.UINT64, u64(7n)],
    sid ? [T.SID, sid] : [T.NULL, Buffer.alloc(0)],
  ];
}

test('template instance: System block, typed values, optional attribute removed', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance((d) => systemTemplate(d, (e) => e.open('EventData').closeStart().end()), sysValues(4608, 'Microsoft-Windows-Security-Auditing', null));
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual(r.event, {
    Event: {
      '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
      System: {
        Provider: { '#attributes': { Name: 'Microsoft-Windows-Security-Auditing' } },
        EventID: 4608,
        TimeCreated: { '#attributes': { SystemTime: '2016-07-08T18:12:51.681640Z' } },
        EventRecordID: 7,
        Security: null,
      },
      EventData: null,
    },
  });
  assert.equal(r.recordId, 1);
  assert.equal(r.timestamp, '2024-01-02T03:04:05.123456Z');
  assert.equal(r.offset, 4096 + 512);
  const x = parseXml(r.xml!)[0]!;
  assert.equal(x.name, 'Event');
  assert.match(r.xml!, /<TimeCreated SystemTime="2016-07-08T18:12:51\.6816406Z"\/>/);
  assert.match(r.xml!, /<Security\/>/); // the empty optional UserID attribute is left out
});

test('a template is parsed once per chunk and reused by offset', () => {
  const w = new ChunkWriter();
  let def = 0;
  w.record((b) => {
    b.fragmentHeader();
    def = b.instance((d) => systemTemplate(d, () => {}), sysValues(1, 'A', SID));
    b.eof();
  });
  w.record((b) => {
    b.fragmentHeader();
    b.instance(def, sysValues(2, 'B', null));
    b.eof();
  });
  const r = decode(w);
  assert.equal(r.records.length, 2);
  const s0 = (r.records[0]!.event.Event as any).System;
  const s1 = (r.records[1]!.event.Event as any).System;
  assert.equal(s0.EventID, 1);
  assert.deepEqual(s0.Security, { '#attributes': { UserID: 'S-1-5-18' } });
  assert.equal(s1.EventID, 2);
  assert.equal(s1.Provider['#attributes'].Name, 'B');
  assert.equal(s1.Security, null);
});

test('EventData: named Data flattened, numbers stay numbers, empty Data is ""', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance(
      (d) =>
        systemTemplate(d, (e) => {
          e.open('EventData').closeStart();
          e.open('Data', { attrs: true }).attr('Name').text('SubjectLogonId').closeStart().subst(5, T.HEXINT64, true).end();
          e.open('Data', { attrs: true }).attr('Name').text('ProcessId').closeStart().subst(6, T.UINT32, true).end();
          e.open('Data', { attrs: true }).attr('Name').text('CommandLine').closeStart().subst(7, T.STRING, true).end();
          e.open('Data', { attrs: true }).attr('Name').text('Elevated').closeStart().subst(8, T.BOOL, true).end();
          e.end();
        }),
      [...sysValues(4688, 'P', null), [T.HEXINT64, u64(0x3e7n)], [T.UINT32, u32(4460)], [T.STRING, Buffer.alloc(0)], [T.BOOL, i32(2)]],
    );
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual((r.event.Event as any).EventData, { SubjectLogonId: '0x3e7', ProcessId: 4460, CommandLine: '', Elevated: true });
  assert.match(r.xml!, /<Data Name="CommandLine"\/>/);
  assert.match(r.xml!, /<Data Name="ProcessId">4460<\/Data>/);
});

test('EventData without names: positional Data, string arrays repeat the element, dependency removes Binary', () => {
  const w = new ChunkWriter();
  const arr = Buffer.from('10.00.\u000015063\u0000\u0000Multiprocessor Free\u0000', 'utf16le');
  w.record((b) => {
    b.fragmentHeader();
    b.instance(
      (d) =>
        systemTemplate(d, (e) => {
          e.open('EventData').closeStart();
          e.open('Data', { dep: 5 }).closeStart().subst(5, T.ARRAY | T.STRING, true).end();
          e.open('Binary', { dep: 6 }).closeStart().subst(6, T.BINARY, true).end();
          e.end();
        }),
      [...sysValues(6009, 'EventLog', null), [T.ARRAY | T.STRING, arr], [T.NULL, Buffer.alloc(0)]],
    );
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual((r.event.Event as any).EventData, { Data: { '#text': ['10.00.', '15063', '', 'Multiprocessor Free'] } });
  const x = parseXml(r.xml!)[0]!;
  const ed = x.children.find((c) => typeof c !== 'string' && c.name === 'EventData') as any;
  assert.equal(ed.children.filter((c: any) => typeof c !== 'string').length, 4);
  assert.doesNotMatch(r.xml!, /Binary/);
});

test('a single positional Data is not an array; non-null dependency keeps the element', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance(
      (d) =>
        systemTemplate(d, (e) => {
          e.open('EventData').closeStart();
          e.open('Data', { dep: 5 }).closeStart().subst(5, T.STRING, true).end();
          e.open('Binary', { dep: 6 }).closeStart().subst(6, T.BINARY, true).end();
          e.end();
        }),
      [...sysValues(1, 'P', null), [T.STRING, utf16('only')], [T.BINARY, Buffer.from([0xe1, 0x07])]],
    );
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual((r.event.Event as any).EventData, { Data: { '#text': 'only' }, Binary: 'E107' });
});

test('repeated names get _N suffixes; attributes with text give #attributes and #text', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance(
      (d) => {
        d.open('Event').closeStart();
        d.open('UserData').closeStart();
        d.open('Info').closeStart();
        d.open('Header').closeStart().text('GET / HTTP/1.1').end();
        d.open('Header').closeStart().text('Accept: */*').end();
        d.open('Header').closeStart().subst(0, T.STRING).end();
        d.open('URL', { attrs: true }).attr('scheme').text('http').closeStart().subst(1, T.STRING).end();
        d.open('EventID', { attrs: true }).attr('Qualifiers').subst(2, T.UINT16).closeStart().subst(3, T.UINT16).end();
        d.end().end().end();
      },
      [[T.STRING, utf16('Connection: Keep-Alive')], [T.STRING, utf16('http://x/')], [T.UINT16, u16(16384)], [T.UINT16, u16(7036)]],
    );
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual(r.event, {
    Event: {
      UserData: {
        Info: {
          Header: 'GET / HTTP/1.1',
          Header_1: 'Accept: */*',
          Header_2: 'Connection: Keep-Alive',
          URL: { '#attributes': { scheme: 'http' }, '#text': 'http://x/' },
          EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7036 },
        },
      },
    },
  });
});

test('records without templates: inline elements, value text in attributes, no dependency id', () => {
  for (const dep of [null, 0xffff] as const) {
    const w = new ChunkWriter();
    w.record((b) => {
      b.fragmentHeader();
      b.open('Event', { attrs: true, dep }).attr('xmlns').text('http://schemas.microsoft.com/win/2004/08/events/event').closeStart();
      b.open('System', { dep }).closeStart();
      b.open('Provider', { attrs: true, dep }).attr('Name').text('MSExchange CmdletLogs').closeEmpty();
      b.open('EventID', { attrs: true, dep }).attr('Qualifiers').text('16384').closeStart().text('1').end();
      b.open('Security', { dep }).closeEmpty();
      b.end();
      b.open('EventData', { dep }).closeStart();
      b.open('Data', { dep }).closeStart().text('Set-Mailbox').end();
      b.open('Data', { dep }).closeEmpty();
      b.end();
      b.end();
      b.eof();
    });
    const r = only(decode(w));
    assert.deepEqual(r.event, {
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: {
          Provider: { '#attributes': { Name: 'MSExchange CmdletLogs' } },
          EventID: { '#attributes': { Qualifiers: '16384' }, '#text': '1' },
          Security: null,
        },
        EventData: { Data: { '#text': ['Set-Mailbox', ''] } },
      },
    }, `dep ${dep}`);
  }
});

test('BinXml substitution values render in place (nested template instance)', () => {
  const w = new ChunkWriter();
  // The nested fragment is written inside the record's value area, so build it in a scratch
  // chunk at the same offsets: simplest is to emit it as the last value and compute its bytes
  // with a second writer positioned where the value will land.
  let nestedDef = 0;
  w.record((b) => {
    b.fragmentHeader();
    // define the inner template in an earlier record-free position: a first instance in this record
    nestedDef = b.instance((d) => {
      d.open('Outer').closeStart().subst(0, T.BINXML, true).end();
    }, [[T.NULL, Buffer.alloc(0)]]);
    b.eof();
  });
  // second record: instance of a template whose content is a BinXml value; the value itself is a
  // fragment with an instance of another template defined inline inside the value.
  w.record((b) => {
    b.fragmentHeader();
    b.raw([0x0c, 0x01]).raw(u32(1)).raw(u32(nestedDef)).raw(u32(1));
    const descAt = b.pos;
    b.raw(u16(0)).raw([T.BINXML, 0]);
    const valStart = b.pos;
    b.fragmentHeader();
    b.instance((d) => {
      d.open('CryptRetrieveObjectByUrlWire').closeStart();
      d.open('URL', { attrs: true }).attr('scheme').text('http').closeStart().subst(0, T.STRING).end();
      d.open('Flags', { attrs: true }).attr('value').subst(1, T.HEXINT32).closeEmpty();
      d.end();
    }, [[T.STRING, utf16('http://crl/x.crl')], [T.HEXINT32, u32(0x2005)]]);
    b.eof();
    w.buf.writeUInt16LE(b.pos - valStart, descAt);
    b.eof();
  });
  const r = decode(w);
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.records[0]!.event, { Outer: null });
  assert.deepEqual(r.records[1]!.event, {
    Outer: {
      CryptRetrieveObjectByUrlWire: {
        URL: { '#attributes': { scheme: 'http' }, '#text': 'http://crl/x.crl' },
        Flags: { '#attributes': { value: '0x2005' } },
      },
    },
  });
});

test('entity and character references, CDATA and processing instructions', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance((d) => {
      d.open('Event').closeStart();
      d.open('R', { attrs: true }).attr('eTag').entity('quot').text('abc').entity('quot').closeStart().text('a').entity('amp').text('b').charRef(0x41).end();
      d.open('C').closeStart().cdata('x < y').end();
      d.open('P').closeStart().pi('target', 'some data').end();
      d.end();
    }, []);
    b.eof();
  });
  const r = only(decode(w));
  assert.deepEqual(r.event, { Event: { R: { '#attributes': { eTag: '"abc"' }, '#text': 'a&bA' }, C: 'x < y', P: null } });
  assert.match(r.xml!, /eTag="&quot;abc&quot;"/);
  assert.match(r.xml!, /a&amp;b&#65;/);
  assert.match(r.xml!, /<!\[CDATA\[x < y\]\]>/);
  assert.match(r.xml!, /<\?target some data\?>/);
  parseXml(r.xml!);
});

test('XML output is well-formed: escaping and characters XML cannot carry', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance((d) => {
      d.open('Event').closeStart();
      d.open('Data', { attrs: true }).attr('Name').subst(0, T.STRING).closeStart().subst(1, T.STRING).end();
      d.end();
    }, [[T.STRING, utf16('a"<b>&\'')], [T.STRING, utf16('<S:Envelope>\u000f\ud800</S:Envelope>')]]);
    b.eof();
  });
  const r = only(decode(w));
  const x = parseXml(r.xml!)[0]!;
  const data = x.children.find((c) => typeof c !== 'string') as any;
  assert.deepEqual(data.attrs, [['Name', 'a"<b>&\'']]);
  assert.equal(data.children[0], '<S:Envelope>\ufffd\ufffd</S:Envelope>');
  // JSON keeps the raw characters
  assert.equal((r.event.Event as any).Data['#text'], '<S:Envelope>\u000f\ud800</S:Envelope>');
});

test('trimStrings removes trailing whitespace from string substitutions only', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance((d) => {
      d.open('EventData').closeStart();
      d.open('Data', { attrs: true }).attr('Name').text('ParentCommandLine').closeStart().subst(0, T.STRING).end();
      d.end();
    }, [[T.STRING, utf16('"C:\\Windows\\system32\\cmd.exe" ')]]);
    b.eof();
  });
  const chunk = w.finish();
  assert.deepEqual(decodeChunk(chunk, 0, 4096).records[0]!.event, { EventData: { ParentCommandLine: '"C:\\Windows\\system32\\cmd.exe" ' } });
  assert.deepEqual(decodeChunk(chunk, 0, 4096, { trimStrings: true }).records[0]!.event, { EventData: { ParentCommandLine: '"C:\\Windows\\system32\\cmd.exe"' } });
});

test('uninitialised alignment padding after the fragment is ignored', () => {
  const w = new ChunkWriter();
  w.record((b) => {
    b.fragmentHeader();
    b.instance((d) => d.open('Event').closeStart().subst(0, T.UINT8).end(), [[T.UINT8, Buffer.from([5])]]);
    b.raw([0x0f, 0x01, 0x01]); // leftover bytes of an earlier record, no end-of-fragment token
  });
  const r = only(decode(w));
  assert.deepEqual(r.event, { Event: 5 });
});

test('malformed BinXML is reported per record and the walk continues', () => {
  const cases: [string, (b: Bx) => void][] = [
    ['invalid token', (b) => b.fragmentHeader().raw([0x1f, 0, 0, 0])],
    ['name offset outside the chunk', (b) => b.fragmentHeader().raw([0x01, 0xff, 0xff]).raw(u32(0)).raw(u32(70000)).raw([0x03, 0x00])],
    ['unbalanced end element', (b) => b.fragmentHeader().raw([0x04, 0x00])],
    ['template offset outside the chunk', (b) => b.fragmentHeader().raw([0x0c, 0x01]).raw(u32(1)).raw(u32(0xfffff0)).raw(u32(0))],
    ['substitution count too large', (b) => {
      b.fragmentHeader();
      const def = b.pos + 10;
      b.raw([0x0c, 0x01]).raw(u32(1)).raw(u32(def)).raw(u32(0)).raw(Buffer.alloc(16)).raw(u32(5)).raw([0x0f, 1, 1, 0, 0x00]);
      b.raw(u32(0x7fffffff));
    }],
    ['substitution outside a template', (b) => b.fragmentHeader().open('E').closeStart().subst(0, T.STRING).end().eof()],
    ['truncated element', (b) => b.fragmentHeader().open('E').closeStart().open('F').closeStart()],
  ];
  for (const [name, body] of cases) {
    const w = new ChunkWriter();
    w.record(body);
    w.record((b) => b.fragmentHeader().open('Good').closeEmpty().eof());
    const r = decode(w);
    assert.equal(r.records.length, 1, name);
    assert.deepEqual(r.records[0]!.event, { Good: null }, name);
    const p = r.problems.filter((q) => q.kind === 'binxml');
    assert.equal(p.length, 1, `${name}: ${JSON.stringify(r.problems)}`);
    assert.equal(p[0]!.record, 1);
    assert.ok(p[0]!.offset >= 4096 + 512 && p[0]!.offset < 4096 + 65536, name);
  }
});

test('hostile structures hit the limits instead of the stack or the clock', () => {
  // elements nested 10,000 deep
  {
    const w = new ChunkWriter();
    w.record((b) => {
      b.fragmentHeader();
      for (let i = 0; i < 3000; i++) b.open('E').closeStart();
      for (let i = 0; i < 3000; i++) b.end();
      b.eof();
    });
    const r = decode(w);
    assert.equal(r.records.length, 0);
    assert.match(r.problems[0]!.message, /nested too deeply/);
  }
  // one template referencing a 16 KB string 2,000 times: the text budget stops it
  {
    const w = new ChunkWriter();
    w.record((b) => {
      b.fragmentHeader();
      b.instance((d) => {
        d.open('E').closeStart();
        for (let i = 0; i < 2000; i++) d.subst(0, T.STRING);
        d.end();
      }, [[T.STRING, utf16('x'.repeat(8000))]]);
      b.eof();
    });
    const t0 = performance.now();
    const r = decode(w, false);
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(r.records.length, 0);
    assert.match(r.problems[0]!.message, /budget/);
  }
  // BinXml values nested inside BinXml values beyond the nesting limit
  {
    const w = new ChunkWriter();
    let def = 0;
    w.record((b) => {
      b.fragmentHeader();
      def = b.instance((d) => d.open('N').closeStart().subst(0, T.BINXML, true).end(), [[T.NULL, Buffer.alloc(0)]]);
      b.eof();
    });
    w.record((b) => {
      b.fragmentHeader();
      const sizes: number[] = [];
      const depth = 12;
      for (let i = 0; i < depth; i++) {
        b.raw([0x0c, 0x01]).raw(u32(1)).raw(u32(def)).raw(u32(1));
        sizes.push(b.pos);
        b.raw(u16(0)).raw([T.BINXML, 0]);
        b.fragmentHeader();
      }
      b.raw([0x0c, 0x01]).raw(u32(1)).raw(u32(def)).raw(u32(1)).raw(u16(0)).raw([T.NULL, 0]);
      for (let i = depth - 1; i >= 0; i--) {
        b.eof();
        w.buf.writeUInt16LE(b.pos - (sizes[i]! + 4), sizes[i]!);
      }
      b.eof();
    });
    const r = decode(w, false);
    assert.equal(r.records.length, 1);
    assert.match(r.problems.find((p) => p.record === 2)!.message, /nested too deeply/);
  }
});
