// The .NET metadata reader on transport agents compiled with mcs, and on those DLLs damaged on purpose.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIR, PeError, parsePe, readPeFile } from '../../../src/sources/pe/pe.js';
import { AGENT_FACTORY_BASES, metadataLayout, readDotNet, type DotNetInfo } from '../../../src/sources/pe/dotnet.js';
import { readVersionInfo } from '../../../src/sources/pe/version-resource.js';
import { SKIP_NO_MCS, compileAgent, compileSource, exchangeStubs } from '../../support/agent-binaries.js';
import { onlyPeError, peError } from '../../support/pe-assert.js';

const skip = SKIP_NO_MCS;
const EXCHANGE = 'Microsoft.Exchange.Data.Transport';

let dir: string | null = null;
after(() => { if (dir !== null) rmSync(dir, { recursive: true, force: true }); });

interface Bins { stubs: string; smtp: string; routing: string; delivery: string; noFactory: string; shapes: string }
let bins: Bins | null = null;
/** Compiles the test binaries once, on first use (never when mcs is absent). */
function built(): Bins {
  if (bins !== null) return bins;
  dir = mkdtempSync(join(tmpdir(), 'tracehound-dotnet-'));
  bins = {
    stubs: exchangeStubs(dir),
    smtp: compileAgent(dir, {
      file: 'smtp.dll', assembly: 'Contoso.MailHygiene', namespace: 'Contoso.MailHygiene', factory: 'HygieneAgentFactory', base: 'smtp',
      pinvoke: [{ module: 'exdbdata.dll', entry: 'MessageValidator' }], version: '2.1.0.7', company: 'Contoso Ltd', description: 'Mail hygiene',
    }),
    routing: compileAgent(dir, { file: 'routing.dll', namespace: 'Fabrikam.Routing', factory: 'RouteFactory', base: 'routing', viaIntermediate: true }),
    delivery: compileAgent(dir, { file: 'delivery.dll', namespace: 'Delivery.Agents', factory: 'DropFactory', base: 'delivery' }),
    noFactory: compileAgent(dir, { file: 'nofactory.dll', namespace: 'Only.Agent', factory: 'LoneFactory', base: 'smtp', noFactory: true }),
    // A factory nested in another type, one deriving a generic in-assembly base (a TypeSpec), and an interface.
    shapes: compileSource(dir, 'shapes.dll', 'Shapes', `
using Microsoft.Exchange.Data.Transport;
using Microsoft.Exchange.Data.Transport.Routing;
using Microsoft.Exchange.Data.Transport.Smtp;
namespace Shapes
{
    public interface IMarker { }
    public class Outer
    {
        public sealed class InnerFactory : SmtpReceiveAgentFactory
        {
            public override SmtpReceiveAgent CreateAgent(SmtpServer server) { return null; }
        }
    }
    public abstract class GenericBase<T> : RoutingAgentFactory { }
    public sealed class ClosedFactory : GenericBase<int>
    {
        public override RoutingAgent CreateAgent(SmtpServer server) { return null; }
    }
}
`),
  };
  return bins;
}

const info = (path: string): DotNetInfo => {
  const r = readDotNet(readPeFile(path));
  assert.ok(r !== null, `${path} has no CLR header`);
  return r;
};
const typeOf = (i: DotNetInfo, fullName: string) => {
  const t = i.types.find((x) => x.fullName === fullName);
  assert.ok(t, `no type ${fullName} among ${i.types.map((x) => x.fullName).join(', ')}`);
  return t;
};

/** Runs every reader; anything thrown must be a PeError carrying a usable file offset. */
function readAll(bytes: Uint8Array): void {
  onlyPeError(() => {
    const pe = parsePe(bytes);
    readDotNet(pe);
    readVersionInfo(pe);
  }, bytes.length);
}
const copy = (path: string) => Buffer.from(readFileSync(path));

test('assembly identity, module, runtime version', { skip }, () => {
  const i = info(built().smtp);
  assert.deepEqual(i.assembly, { name: 'Contoso.MailHygiene', version: '2.1.0.7', culture: '', publicKeyToken: null });
  assert.equal(i.module, 'Contoso.MailHygiene.dll');
  assert.match(i.runtimeVersion, /^v4\.0/);
  const stubs = info(built().stubs);
  assert.deepEqual(stubs.assembly, { name: EXCHANGE, version: '15.0.0.0', culture: '', publicKeyToken: null });
});

test('references: the Exchange SDK at 15.0.0.0 and mscorlib with its public key token', { skip }, () => {
  const i = info(built().smtp);
  assert.deepEqual(i.exchangeReferences, [{ name: EXCHANGE, version: '15.0.0.0', culture: '', publicKeyToken: null }]);
  assert.deepEqual(i.references.find((r) => r.name === 'mscorlib'), { name: 'mscorlib', version: '4.0.0.0', culture: '', publicKeyToken: 'b77a5c561934e089' });
  assert.deepEqual(info(built().stubs).exchangeReferences, []);
  const smtpBase = i.typeRefs.find((t) => t.name === 'SmtpReceiveAgentFactory');
  assert.deepEqual(smtpBase, { namespace: `${EXCHANGE}.Smtp`, name: 'SmtpReceiveAgentFactory', fullName: `${EXCHANGE}.Smtp.SmtpReceiveAgentFactory`, scope: EXCHANGE });
});

test('an SMTP receive agent factory deriving the SDK base directly', { skip }, () => {
  const i = info(built().smtp);
  assert.deepEqual(i.agentFactories, [{ type: 'Contoso.MailHygiene.HygieneAgentFactory', base: 'SmtpReceiveAgentFactory', isAbstract: false }]);
  const f = typeOf(i, 'Contoso.MailHygiene.HygieneAgentFactory');
  assert.equal(f.extends, `${EXCHANGE}.Smtp.SmtpReceiveAgentFactory`);
  assert.deepEqual(f.chain, [`${EXCHANGE}.Smtp.SmtpReceiveAgentFactory`]);
  assert.equal(f.externalBaseScope, EXCHANGE);
  assert.equal(f.isPublic, true);
  assert.equal(f.isAbstract, false);
  const agent = typeOf(i, 'Contoso.MailHygiene.HygieneAgent');
  assert.equal(agent.extends, `${EXCHANGE}.Smtp.SmtpReceiveAgent`);
  const mod = typeOf(i, '<Module>');
  assert.equal(mod.extends, null);
  assert.deepEqual(mod.chain, []);
  assert.equal(mod.externalBaseScope, null);
});

test('a routing agent factory through an intermediate abstract class of the assembly', { skip }, () => {
  const i = info(built().routing);
  assert.deepEqual(i.agentFactories, [
    { type: 'Fabrikam.Routing.RouteFactoryBase', base: 'RoutingAgentFactory', isAbstract: true },
    { type: 'Fabrikam.Routing.RouteFactory', base: 'RoutingAgentFactory', isAbstract: false },
  ]);
  const f = typeOf(i, 'Fabrikam.Routing.RouteFactory');
  assert.equal(f.extends, 'Fabrikam.Routing.RouteFactoryBase');
  assert.deepEqual(f.chain, ['Fabrikam.Routing.RouteFactoryBase', `${EXCHANGE}.Routing.RoutingAgentFactory`]);
  assert.equal(f.externalBaseScope, EXCHANGE);
  assert.equal(i.assembly?.name, 'routing');
  assert.equal(i.assembly?.version, '0.0.0.0');
});

test('a delivery agent factory', { skip }, () => {
  const i = info(built().delivery);
  assert.deepEqual(i.agentFactories, [{ type: 'Delivery.Agents.DropFactory', base: 'DeliveryAgentFactory', isAbstract: false }]);
  assert.deepEqual(Object.values(AGENT_FACTORY_BASES).sort(), ['DeliveryAgentFactory', 'RoutingAgentFactory', 'SmtpReceiveAgentFactory']);
});

test('an agent without a factory has no agentFactories', { skip }, () => {
  const i = info(built().noFactory);
  assert.deepEqual(i.agentFactories, []);
  assert.equal(typeOf(i, 'Only.Agent.LoneAgent').extends, `${EXCHANGE}.Smtp.SmtpReceiveAgent`);
  assert.deepEqual(i.pinvokes, []);
  assert.deepEqual(i.moduleRefs, []);
});

test('P/Invoke: the native module and entry point', { skip }, () => {
  const i = info(built().smtp);
  assert.deepEqual(i.moduleRefs, ['exdbdata.dll']);
  assert.deepEqual(i.pinvokes, [{ module: 'exdbdata.dll', entry: 'MessageValidator' }]);
});

test('nested factories (Outer/Inner), generic in-assembly bases, interfaces', { skip }, () => {
  const i = info(built().shapes);
  assert.deepEqual(i.agentFactories, [
    { type: 'Shapes.Outer/InnerFactory', base: 'SmtpReceiveAgentFactory', isAbstract: false },
    { type: 'Shapes.GenericBase`1', base: 'RoutingAgentFactory', isAbstract: true },
    { type: 'Shapes.ClosedFactory', base: 'RoutingAgentFactory', isAbstract: false },
  ]);
  const inner = typeOf(i, 'Shapes.Outer/InnerFactory');
  assert.equal(inner.namespace, '');
  assert.equal(inner.name, 'InnerFactory');
  assert.equal(inner.isPublic, true); // NestedPublic
  assert.deepEqual(typeOf(i, 'Shapes.ClosedFactory').chain, ['Shapes.GenericBase`1', `${EXCHANGE}.Routing.RoutingAgentFactory`]);
  const marker = typeOf(i, 'Shapes.IMarker');
  assert.equal(marker.extends, null);
  assert.equal(marker.isAbstract, true);
});

test('the stub SDK itself: in-assembly chains ending at System.Object, no agent factories', { skip }, () => {
  const i = info(built().stubs);
  assert.deepEqual(i.agentFactories, []);
  const f = typeOf(i, `${EXCHANGE}.Smtp.SmtpReceiveAgentFactory`);
  assert.equal(f.isAbstract, true);
  assert.deepEqual(f.chain, [`${EXCHANGE}.AgentFactory`, 'System.Object']);
  assert.equal(f.externalBaseScope, 'mscorlib');
});

test('a native image (CLR directory zeroed) gives null', { skip }, () => {
  const b = copy(built().smtp);
  const pe = parsePe(b);
  const entry = pe.securityDirOffset + (DIR.clr - DIR.security) * 8;
  b.fill(0, entry, entry + 8);
  assert.equal(readDotNet(parsePe(b)), null);
  assert.equal(metadataLayout(parsePe(b)), null);
  assert.equal(readVersionInfo(parsePe(b))?.strings['CompanyName'], 'Contoso Ltd');
});

test('truncated at every cut point: PeError with an offset, and always an error before the metadata ends', { skip }, () => {
  const whole = copy(built().smtp);
  const layout = metadataLayout(parsePe(whole))!;
  const tables = [...layout.tables.values()];
  const tablesEnd = Math.max(...tables.map((t) => t.offset + t.rows * t.rowSize));
  for (let cut = 0; cut < whole.length; cut++) {
    const bytes = whole.subarray(0, cut);
    readAll(bytes);
    if (cut < tablesEnd) assert.throws(() => { const pe = parsePe(bytes); readDotNet(pe); }, PeError, `cut at ${cut}`);
  }
});

test('garbage: random bytes, and random bytes behind a valid PE header', { skip }, () => {
  const whole = copy(built().smtp);
  const layout = metadataLayout(parsePe(whole))!;
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 4096 }), (g) => {
    readAll(g);
    const b = Buffer.from(whole);
    Buffer.from(g).copy(b, layout.metadataOffset);
    readAll(b);
  }), { numRuns: 300 });
  peError(() => parsePe(new Uint8Array(4096).fill(0x41)), /MZ/);
});

test('a bad BSJB signature', { skip }, () => {
  const b = copy(built().smtp);
  const { metadataOffset } = metadataLayout(parsePe(b))!;
  b[metadataOffset] = 0x58;
  const e = peError(() => readDotNet(parsePe(b)), /BSJB/);
  assert.equal(e.offset, metadataOffset);
});

test('absurd row counts: above the cap, and more rows than the stream holds', { skip }, () => {
  const whole = copy(built().smtp);
  const typeDefs = metadataLayout(parsePe(whole))!.tables.get(0x02)!;
  for (const [rows, message] of [[0xffffffff, /more than 1000000/], [1_000_000, /runs past the end/], [60_000, /runs past the end/]] as const) {
    const b = Buffer.from(whole);
    b.writeUInt32LE(rows, typeDefs.rowCountOffset);
    const e = peError(() => readDotNet(parsePe(b)), message);
    assert.equal(e.offset, typeDefs.rowCountOffset);
  }
});

test('an undefined table in the valid mask, a heap index past its heap, a coded index past its table', { skip }, () => {
  const whole = copy(built().smtp);
  const layout = metadataLayout(parsePe(whole))!;
  let b = Buffer.from(whole);
  b[layout.tableStreamOffset + 14] = b[layout.tableStreamOffset + 14]! | 0x80; // bit 0x37
  peError(() => readDotNet(parsePe(b)), /does not define/);

  const typeDefs = layout.tables.get(0x02)!;
  const row2 = typeDefs.offset + typeDefs.rowSize;
  b = Buffer.from(whole);
  b.writeUInt16LE(0xfff0, row2 + typeDefs.columnOffsets[1]!); // TypeName
  assert.equal(peError(() => readDotNet(parsePe(b)), /beyond the .*#Strings heap/).offset, row2 + typeDefs.columnOffsets[1]!);

  b = Buffer.from(whole);
  b.writeUInt16LE((500 << 2) | 1, row2 + typeDefs.columnOffsets[3]!); // Extends: TypeRef 500
  assert.equal(peError(() => readDotNet(parsePe(b)), /row 500 of table 0x1/).offset, row2 + typeDefs.columnOffsets[3]!);
});

test('a cyclic extends chain (two types extending each other, and a type extending itself)', { skip }, () => {
  const whole = copy(built().routing);
  const pe = parsePe(whole);
  const i = readDotNet(pe)!;
  const typeDefs = metadataLayout(pe)!.tables.get(0x02)!;
  const row = (name: string) => i.types.findIndex((t) => t.fullName === name) + 1;
  const extendsAt = (r: number) => typeDefs.offset + (r - 1) * typeDefs.rowSize + typeDefs.columnOffsets[3]!;
  const factory = row('Fabrikam.Routing.RouteFactory'), base = row('Fabrikam.Routing.RouteFactoryBase');
  assert.ok(factory > 0 && base > 0);
  assert.equal(whole.readUInt16LE(extendsAt(factory)), base << 2); // already a TypeDef coded index to the base

  let b = Buffer.from(whole);
  b.writeUInt16LE(factory << 2, extendsAt(base));
  const e = peError(() => readDotNet(parsePe(b)), /cyclic/);
  assert.ok(e.offset === extendsAt(base) || e.offset === extendsAt(factory));

  b = Buffer.from(whole);
  b.writeUInt16LE(factory << 2, extendsAt(factory));
  assert.equal(peError(() => readDotNet(parsePe(b)), /cyclic/).offset, extendsAt(factory));
});

test('a cycle of enclosing types (NestedClass)', { skip }, () => {
  const whole = copy(built().shapes);
  const nested = metadataLayout(parsePe(whole))!.tables.get(0x29)!;
  assert.equal(nested.rows, 1);
  const b = Buffer.from(whole);
  b.writeUInt16LE(b.readUInt16LE(nested.offset), nested.offset + nested.columnOffsets[1]!); // enclosed by itself
  peError(() => readDotNet(parsePe(b)), /enclosing types form a cycle/);
});

test('random byte flips never raise anything but PeError', { skip }, () => {
  const whole = copy(built().routing);
  const layout = metadataLayout(parsePe(whole))!;
  const flips = (lo: number, hi: number) => fc.array(fc.tuple(fc.integer({ min: lo, max: hi - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 24 });
  const apply = (fl: [number, number][]) => {
    const b = Buffer.from(whole);
    for (const [at, x] of fl) b[at] = b[at]! ^ x;
    readAll(b);
  };
  fc.assert(fc.property(flips(0, whole.length), apply), { numRuns: 400 });
  // Concentrated on the metadata root, stream headers and tables, where the reader does the most.
  const tablesEnd = Math.max(...[...layout.tables.values()].map((t) => t.offset + t.rows * t.rowSize));
  fc.assert(fc.property(flips(layout.metadataOffset, tablesEnd), apply), { numRuns: 600 });
});
