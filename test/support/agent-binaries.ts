// Real transport-agent DLLs for the PE/.NET readers' tests, compiled with Mono's `mcs` against a
// stub Exchange SDK kept in test/fixtures/exchange-stubs (our own C#, only the shapes agents need).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const STUB_SOURCES = resolve(fileURLToPath(import.meta.url), '../../fixtures/exchange-stubs');
export const STUBS_DLL = 'Microsoft.Exchange.Data.Transport.dll';

function onPath(exe: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, exe)));
}

export const SKIP_NO_MCS: string | false = onPath('mcs')
  ? false
  : 'the Mono C# compiler `mcs` is not on PATH (install the mono-mcs package)';

function mcs(args: string[]): void {
  try {
    execFileSync('mcs', args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mcs ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`);
  }
}

const stubCache = new Map<string, string>();

export function exchangeStubs(dir: string): string {
  const out = join(dir, STUBS_DLL);
  const cached = stubCache.get(dir);
  if (cached !== undefined && existsSync(cached)) return cached;
  const sources = readdirSync(STUB_SOURCES).filter((f) => f.endsWith('.cs')).sort().map((f) => join(STUB_SOURCES, f));
  mcs(['-target:library', '-nologo', `-out:${out}`, ...sources]);
  stubCache.set(dir, out);
  return out;
}

export interface AgentSpec {
  file: string;
  /** assembly name */
  assembly?: string;
  namespace: string;
  factory: string;
  base: 'smtp' | 'routing' | 'delivery';
  /** omit the factory class entirely (only an agent class) */
  noFactory?: boolean;
  /** a factory that derives through an intermediate abstract class of this assembly */
  viaIntermediate?: boolean;
  /** P/Invoke declarations: native module name and entry point */
  pinvoke?: { module: string; entry: string }[];
  /** AssemblyVersion etc. */
  version?: string;
  company?: string;
  description?: string;
  /** string literals the agent holds (its targets: addresses, patterns, paths, URLs) */
  strings?: string[];
  /** files embedded as manifest resources: the file and the resource's name */
  resources?: { file: string; name: string }[];
}

const KINDS = {
  smtp: { ns: 'Smtp', agent: 'SmtpReceiveAgent', event: 'OnEndOfData', handler: 'EndOfDataEventHandler', source: 'ReceiveMessageEventSource', args: 'EndOfDataEventArgs' },
  routing: { ns: 'Routing', agent: 'RoutingAgent', event: 'OnSubmittedMessage', handler: 'SubmittedMessageEventHandler', source: 'SubmittedMessageEventSource', args: 'QueuedMessageEventArgs' },
  delivery: { ns: 'Delivery', agent: 'DeliveryAgent', event: 'OnDeliverMailItem', handler: 'DeliverMailItemEventHandler', source: 'DeliverMailItemEventSource', args: 'DeliverMailItemEventArgs' },
} as const;

const ident = (s: string, what: string): string => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(s)) throw new Error(`${what} ${JSON.stringify(s)} is not a C# identifier`);
  return s;
};
const csString = (s: string): string => JSON.stringify(s); // JSON escapes are valid C# escapes for these strings

/** The C# source of the agent described by `spec`. */
export function agentSource(spec: AgentSpec): string {
  const k = KINDS[spec.base];
  const ns = ident(spec.namespace, 'namespace');
  const factory = ident(spec.factory, 'factory name');
  // The agent class: HygieneAgentFactory -> HygieneAgent, RouteFactory -> RouteAgent.
  const agent = `${factory.replace(/(Agent)?Factory$/, '')}Agent`;
  const attrs: string[] = [];
  if (spec.version !== undefined) {
    if (!/^\d+(\.\d+){1,3}$/.test(spec.version)) throw new Error(`bad version ${spec.version}`);
    attrs.push(`[assembly: AssemblyVersion(${csString(spec.version)})]`, `[assembly: AssemblyFileVersion(${csString(spec.version)})]`);
  }
  if (spec.company !== undefined) attrs.push(`[assembly: AssemblyCompany(${csString(spec.company)})]`);
  if (spec.description !== undefined) {
    attrs.push(`[assembly: AssemblyDescription(${csString(spec.description)})]`, `[assembly: AssemblyTitle(${csString(spec.description)})]`);
  }
  const pinvokes = (spec.pinvoke ?? []).map((p, i) =>
    `        [DllImport(${csString(p.module)}, EntryPoint = ${csString(p.entry)})]\n        private static extern int Native${i}(IntPtr data, int length);`);
  const calls = (spec.pinvoke ?? []).map((_, i) => `            Native${i}(IntPtr.Zero, 0);`);
  const literals = (spec.strings ?? []).map(csString);
  const targets = literals.length ? `        private static readonly string[] Targets = new string[] { ${literals.join(', ')} };\n` : '';
  const factoryBase = spec.viaIntermediate ? `${factory}Base` : `${k.agent}Factory`;
  const factories = spec.noFactory ? '' : `
${spec.viaIntermediate ? `    public abstract class ${factory}Base : ${k.agent}Factory
    {
        protected int created;
    }
` : ''}
    public sealed class ${factory} : ${factoryBase}
    {
        public override ${k.agent} CreateAgent(SmtpServer server)
        {
            return new ${agent}();
        }
    }
`;
  return `using System;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Exchange.Data.Transport;
using Microsoft.Exchange.Data.Transport.${k.ns};

${attrs.join('\n')}

namespace ${ns}
{
    public sealed class ${agent} : ${k.agent}
    {
${targets}${pinvokes.join('\n')}

        public ${agent}()
        {
            this.${k.event} += new ${k.handler}(this.Handle);
        }

        private void Handle(${k.source} source, ${k.args} e)
        {
${calls.join('\n')}
        }
    }
${factories}}
`;
}

export function compileAgent(dir: string, spec: AgentSpec): string {
  const name = spec.assembly ?? spec.file.replace(/\.dll$/i, '');
  return compileSource(dir, spec.file, name, agentSource(spec), spec.resources);
}

/**
 * A real .resources file (System.Resources.ResourceWriter, run under Mono) holding the given
 * string entries, written to <dir>/<file>.
 */
export function writeResources(dir: string, file: string, entries: Record<string, string>): string {
  const scratch = mkdtempSync(join(dir, 'resgen-'));
  try {
    const src = join(scratch, 'ResGen.cs');
    writeFileSync(src, `using System.Resources;
class ResGen {
    static void Main(string[] a) {
        using (var w = new ResourceWriter(a[0])) {
            for (int i = 1; i + 1 < a.Length; i += 2) w.AddResource(a[i], a[i + 1]);
        }
    }
}
`);
    const exe = join(scratch, 'ResGen.exe');
    mcs(['-nologo', `-out:${exe}`, src]);
    const out = join(dir, file);
    execFileSync('mono', [exe, out, ...Object.entries(entries).flat()], { stdio: ['ignore', 'pipe', 'pipe'] });
    return out;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Compiles any C# source against the stub SDK into <dir>/<file> with the given assembly name. */
export function compileSource(dir: string, file: string, assembly: string, source: string, resources: { file: string; name: string }[] = []): string {
  const stubs = exchangeStubs(dir);
  const out = join(dir, file);
  const name = ident(assembly, 'assembly name');
  // mcs names the assembly after its output file, so build as <name>.dll in a scratch directory.
  const scratch = mkdtempSync(join(dir, 'build-'));
  try {
    const src = join(scratch, `${name}.cs`);
    writeFileSync(src, source);
    mcs(['-target:library', '-nologo', '-nowarn:67,169,414', `-r:${stubs}`, `-out:${join(scratch, `${name}.dll`)}`, ...resources.map((r) => `-resource:${r.file},${r.name}`), src]);
    renameSync(join(scratch, `${name}.dll`), out);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}
