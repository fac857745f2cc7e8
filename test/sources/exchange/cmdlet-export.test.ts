import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseTransportAgentExport, parseTransportPipelineExport, serviceFromName, sniffCmdletExport,
} from '../../../src/sources/exchange/cmdlet-export.js';
import { ExchangeInputError, type RegisteredAgent } from '../../../src/sources/exchange/model.js';
import { decodeText, XmlError } from '../../../src/sources/exchange/xml.js';
import { inputError } from '../../support/exchange-collection.js';

// The same four agents (Exchange 2019 Mailbox: two Microsoft agents, the DkimSigner agent and a
// LightNeuron-style "Connection Filtering Agent" as CTID installs it), as Get-TransportAgent run
// through Invoke-Command writes them in each form.
const V15 = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
const EXPECTED = [
  { name: 'Transport Rule Agent', factory: 'Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory', assemblyPath: `${V15}\\TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll`, enabled: true, priority: 1 },
  { name: 'Malware Agent', factory: 'Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory', assemblyPath: `${V15}\\TransportRoles\\agents\\Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll`, enabled: true, priority: 2 },
  { name: 'Exchange DkimSigner', factory: 'Exchange.DkimSigner.DkimSigningRoutingAgentFactory', assemblyPath: 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll', enabled: true, priority: 3 },
  { name: 'Connection Filtering Agent', factory: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory', assemblyPath: `${V15}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`, enabled: true, priority: 4 },
];

const JSON_EXPORT = String.raw`[
    {
        "PSComputerName":  "EX01.contoso.local",
        "RunspaceId":  "3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15",
        "PSShowComputerName":  true,
        "Enabled":  true,
        "Priority":  1,
        "TransportAgentFactory":  "Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory",
        "AssemblyPath":  "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Rule\\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll",
        "IsCritical":  false,
        "EscalationTeam":  null,
        "Identity":  "Transport Rule Agent",
        "IsValid":  true,
        "ObjectState":  2
    },
    {
        "PSComputerName":  "EX01.contoso.local",
        "RunspaceId":  "3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15",
        "PSShowComputerName":  true,
        "Enabled":  true,
        "Priority":  2,
        "TransportAgentFactory":  "Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory",
        "AssemblyPath":  "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Antimalware\\Microsoft.Exchange.Transport.Agent.Malware.dll",
        "IsCritical":  false,
        "EscalationTeam":  null,
        "Identity":  "Malware Agent",
        "IsValid":  true,
        "ObjectState":  2
    },
    {
        "PSComputerName":  "EX01.contoso.local",
        "RunspaceId":  "3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15",
        "PSShowComputerName":  true,
        "Enabled":  true,
        "Priority":  3,
        "TransportAgentFactory":  "Exchange.DkimSigner.DkimSigningRoutingAgentFactory",
        "AssemblyPath":  "C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll",
        "IsCritical":  false,
        "EscalationTeam":  null,
        "Identity":  "Exchange DkimSigner",
        "IsValid":  true,
        "ObjectState":  2
    },
    {
        "PSComputerName":  "EX01.contoso.local",
        "RunspaceId":  "3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15",
        "PSShowComputerName":  true,
        "Enabled":  true,
        "Priority":  4,
        "TransportAgentFactory":  "Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory",
        "AssemblyPath":  "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll",
        "IsCritical":  true,
        "EscalationTeam":  null,
        "Identity":  "Connection Filtering Agent",
        "IsValid":  true,
        "ObjectState":  2
    }
]
`;

const CSV_EXPORT = [
  '#TYPE Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportAgent',
  '"PSComputerName","RunspaceId","PSShowComputerName","Enabled","Priority","TransportAgentFactory","AssemblyPath","IsCritical","EscalationTeam","Identity","IsValid","ObjectState"',
  String.raw`"EX01.contoso.local","3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15","True","True","1","Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory","C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Rule\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll","False","","Transport Rule Agent","True","Unchanged"`,
  String.raw`"EX01.contoso.local","3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15","True","True","2","Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory","C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Antimalware\Microsoft.Exchange.Transport.Agent.Malware.dll","False","","Malware Agent","True","Unchanged"`,
  String.raw`"EX01.contoso.local","3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15","True","True","3","Exchange.DkimSigner.DkimSigningRoutingAgentFactory","C:\Program Files\Exchange DkimSigner\ExchangeDkimSigner.dll","False","","Exchange DkimSigner","True","Unchanged"`,
  String.raw`"EX01.contoso.local","3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15","True","True","4","Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory","C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Hygiene\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll","True","","Connection Filtering Agent","True","Unchanged"`,
  '',
].join('\r\n');

// Format-List at a 120-column console: long AssemblyPath values are cut mid-word onto indented lines.
const LIST_EXPORT = String.raw`

PSComputerName        : EX01.contoso.local
RunspaceId            : 3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15
Enabled               : True
Priority              : 1
TransportAgentFactory : Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory
AssemblyPath          : C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Rule\Microsoft.Exchange.Me
                        ssagingPolicies.TransportRuleAgent.dll
IsCritical            : False
EscalationTeam        :
Identity              : Transport Rule Agent
IsValid               : True
ObjectState           : Unchanged

PSComputerName        : EX01.contoso.local
RunspaceId            : 3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15
Enabled               : True
Priority              : 2
TransportAgentFactory : Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory
AssemblyPath          : C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Antimalware\Microsoft.Exch
                        ange.Transport.Agent.Malware.dll
IsCritical            : False
EscalationTeam        :
Identity              : Malware Agent
IsValid               : True
ObjectState           : Unchanged

PSComputerName        : EX01.contoso.local
RunspaceId            : 3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15
Enabled               : True
Priority              : 3
TransportAgentFactory : Exchange.DkimSigner.DkimSigningRoutingAgentFactory
AssemblyPath          : C:\Program Files\Exchange DkimSigner\ExchangeDkimSigner.dll
IsCritical            : False
EscalationTeam        :
Identity              : Exchange DkimSigner
IsValid               : True
ObjectState           : Unchanged

PSComputerName        : EX01.contoso.local
RunspaceId            : 3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15
Enabled               : True
Priority              : 4
TransportAgentFactory : Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory
AssemblyPath          : C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Hygiene\Microsoft.Exchange
                        .Transport.Agent.ConnectionFiltering.dll
IsCritical            : True
EscalationTeam        :
Identity              : Connection Filtering Agent
IsValid               : True
ObjectState           : Unchanged


`;

const TABLE_EXPORT = `

Identity                                           Enabled         Priority
--------                                           -------         --------
Transport Rule Agent                               True                   1
Malware Agent                                      True                   2
Exchange DkimSigner                                True                   3
Connection Filtering Agent                         True                   4


`;

// Export-Clixml of the Invoke-Command results: identities as a string and as deserialized
// TransportAgentObjectId objects, paths as strings and as LocalLongFullPath objects, <TNRef> for
// repeated type lists and a <Ref> to an object serialized earlier.
const CLIXML_EXPORT = String.raw`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0">
      <T>Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportAgent</T>
      <T>Deserialized.System.Object</T>
    </TN>
    <ToString>Transport Rule Agent</ToString>
    <Props>
      <B N="Enabled">true</B>
      <I32 N="Priority">1</I32>
      <S N="TransportAgentFactory">Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.TransportRuleAgentFactory</S>
      <S N="AssemblyPath">C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Rule\Microsoft.Exchange.MessagingPolicies.TransportRuleAgent.dll</S>
      <B N="IsCritical">false</B>
      <Nil N="EscalationTeam" />
      <S N="Identity">Transport Rule Agent</S>
      <B N="IsValid">true</B>
      <Obj N="ObjectState" RefId="1">
        <TN RefId="1">
          <T>Deserialized.Microsoft.Exchange.Data.ObjectState</T>
          <T>Deserialized.System.Enum</T>
          <T>Deserialized.System.ValueType</T>
          <T>Deserialized.System.Object</T>
        </TN>
        <ToString>Unchanged</ToString>
        <I32>2</I32>
      </Obj>
    </Props>
    <MS>
      <S N="PSComputerName">EX01.contoso.local</S>
      <G N="RunspaceId">3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15</G>
      <B N="PSShowComputerName">true</B>
    </MS>
  </Obj>
  <Obj RefId="2">
    <TNRef RefId="0" />
    <ToString>Malware Agent</ToString>
    <Props>
      <B N="Enabled">true</B>
      <I32 N="Priority">2</I32>
      <S N="TransportAgentFactory">Microsoft.Exchange.Transport.Agent.Malware.MalwareAgentFactory</S>
      <Obj N="AssemblyPath" RefId="3">
        <TN RefId="2">
          <T>Deserialized.Microsoft.Exchange.Data.LocalLongFullPath</T>
          <T>Deserialized.Microsoft.Exchange.Data.LongPath</T>
          <T>Deserialized.System.Object</T>
        </TN>
        <ToString>C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Antimalware\Microsoft.Exchange.Transport.Agent.Malware.dll</ToString>
        <Props>
          <S N="PathName">C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Antimalware\Microsoft.Exchange.Transport.Agent.Malware.dll</S>
          <B N="IsLocalFull">true</B>
          <B N="IsUnc">false</B>
        </Props>
      </Obj>
      <B N="IsCritical">false</B>
      <Nil N="EscalationTeam" />
      <Obj N="Identity" RefId="4">
        <TN RefId="3">
          <T>Deserialized.Microsoft.Exchange.Configuration.Tasks.TransportAgentObjectId</T>
          <T>Deserialized.System.Object</T>
        </TN>
        <ToString>Malware Agent</ToString>
      </Obj>
      <B N="IsValid">true</B>
      <Ref N="ObjectState" RefId="1" />
    </Props>
    <MS>
      <S N="PSComputerName">EX01.contoso.local</S>
      <G N="RunspaceId">3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15</G>
      <B N="PSShowComputerName">true</B>
    </MS>
  </Obj>
  <Obj RefId="5">
    <TNRef RefId="0" />
    <ToString>Exchange DkimSigner</ToString>
    <Props>
      <B N="Enabled">true</B>
      <I32 N="Priority">3</I32>
      <S N="TransportAgentFactory">Exchange.DkimSigner.DkimSigningRoutingAgentFactory</S>
      <Obj N="AssemblyPath" RefId="6">
        <TNRef RefId="2" />
        <ToString>C:\Program Files\Exchange DkimSigner\ExchangeDkimSigner.dll</ToString>
      </Obj>
      <B N="IsCritical">false</B>
      <Nil N="EscalationTeam" />
      <Obj N="Identity" RefId="7">
        <TNRef RefId="3" />
        <ToString>Exchange DkimSigner</ToString>
      </Obj>
      <B N="IsValid">true</B>
      <Ref N="ObjectState" RefId="1" />
    </Props>
    <MS>
      <S N="PSComputerName">EX01.contoso.local</S>
      <G N="RunspaceId">3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15</G>
      <B N="PSShowComputerName">true</B>
    </MS>
  </Obj>
  <Obj RefId="8">
    <TNRef RefId="0" />
    <ToString>Connection Filtering Agent</ToString>
    <Props>
      <B N="Enabled">true</B>
      <I32 N="Priority">4</I32>
      <S N="TransportAgentFactory">Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory</S>
      <S N="AssemblyPath">C:\Program Files\Microsoft\Exchange Server\V15\TransportRoles\agents\Hygiene\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll</S>
      <B N="IsCritical">true</B>
      <Nil N="EscalationTeam" />
      <S N="Identity">Connection Filtering Agent</S>
      <B N="IsValid">true</B>
      <Ref N="ObjectState" RefId="1" />
    </Props>
    <MS>
      <S N="PSComputerName">EX01.contoso.local</S>
      <G N="RunspaceId">3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15</G>
      <B N="PSShowComputerName">true</B>
    </MS>
  </Obj>
</Objs>`;

/** Windows PowerShell 5's Export-Clixml: UTF-16LE with a BOM, CRLF. */
function utf16leWithBom(text: string): Uint8Array {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]);
}

function core(a: RegisteredAgent): Record<string, unknown> {
  return { name: a.name, factory: a.factory, assemblyPath: a.assemblyPath, enabled: a.enabled, priority: a.priority };
}


test('sniffCmdletExport tells the form and the cmdlet from the content', () => {
  assert.deepEqual(sniffCmdletExport(JSON_EXPORT.slice(0, 4096)), { kind: 'transport-agents', format: 'json' });
  assert.deepEqual(sniffCmdletExport(CSV_EXPORT), { kind: 'transport-agents', format: 'csv' });
  assert.deepEqual(sniffCmdletExport(CSV_EXPORT.split('\r\n').slice(1).join('\n')), { kind: 'transport-agents', format: 'csv' });
  assert.deepEqual(sniffCmdletExport(LIST_EXPORT), { kind: 'transport-agents', format: 'list' });
  assert.deepEqual(sniffCmdletExport(TABLE_EXPORT), { kind: 'transport-agents', format: 'table' });
  assert.deepEqual(sniffCmdletExport(`\ufeff${CLIXML_EXPORT.slice(0, 2048)}`), { kind: 'transport-agents', format: 'clixml' });
  assert.deepEqual(sniffCmdletExport(decodeText(utf16leWithBom(CLIXML_EXPORT))), { kind: 'transport-agents', format: 'clixml' });
  assert.deepEqual(sniffCmdletExport(PIPELINE_JSON), { kind: 'transport-pipeline', format: 'json' });
  assert.deepEqual(sniffCmdletExport(PIPELINE_LIST), { kind: 'transport-pipeline', format: 'list' });
  assert.deepEqual(sniffCmdletExport(PIPELINE_TABLE), { kind: 'transport-pipeline', format: 'table' });
  assert.deepEqual(sniffCmdletExport(PIPELINE_CSV), { kind: 'transport-pipeline', format: 'csv' });
  assert.deepEqual(sniffCmdletExport(PIPELINE_CLIXML), { kind: 'transport-pipeline', format: 'clixml' });
  // the Atomic Red Team test's `Get-TransportAgent | Format-List Name,Enabled`
  assert.deepEqual(sniffCmdletExport('\n\nName    : Security Interop Agent\nEnabled : True\n'), { kind: 'transport-agents', format: 'list' });
  for (const other of [
    '<?xml version="1.0"?>\n<configuration><mexRuntime/></configuration>',
    '<Objs Version="1.1.0.1"><Obj/></Objs>', // no PowerShell namespace
    '{ "name": "tracehound", "version": "0.1.0" }',
    'TimeCreated,Id,Message\n2024-01-01,1,x\n',
    'hello world\n',
    '',
  ]) assert.equal(sniffCmdletExport(other), null, other);
});

test('the four forms of the same Get-TransportAgent list give the same agents; the table view gives names, flags and order', () => {
  const forms = {
    json: parseTransportAgentExport(JSON_EXPORT, 'agents.json'),
    csv: parseTransportAgentExport(CSV_EXPORT, 'agents.csv'),
    list: parseTransportAgentExport(LIST_EXPORT, 'agents.txt'),
    clixml: parseTransportAgentExport(decodeText(utf16leWithBom(CLIXML_EXPORT)), 'agents.xml'),
  };
  for (const [form, r] of Object.entries(forms)) {
    assert.equal(r.source, 'Get-TransportAgent', form);
    assert.equal(r.host, 'EX01.contoso.local', form);
    assert.equal(r.service, null, form);
    assert.deepEqual(r.settings, {});
    assert.deepEqual(r.agents.map(core), EXPECTED, form);
    for (const a of r.agents) {
      assert.equal(a.baseType, undefined);
      assert.equal(a.extra['RunspaceId'], '3f0c9b1e-5d2a-4c77-9e61-0a8b2f4d7c15', form);
      assert.equal(a.extra['IsCritical'], a.name === 'Connection Filtering Agent' ? 'True' : 'False', form);
      assert.equal(a.extra['EscalationTeam'], '', form);
      assert.equal(a.extra['IsValid'], 'True', form);
      assert.ok(!('PSComputerName' in a.extra) && !('Identity' in a.extra) && !('AssemblyPath' in a.extra), form);
    }
  }
  assert.equal(forms.clixml.agents[1]!.extra['ObjectState'], 'Unchanged'); // through <Ref>
  assert.equal(forms.list.agents[3]!.extra['ObjectState'], 'Unchanged');
  assert.equal(forms.json.agents[0]!.extra['ObjectState'], '2'); // ConvertTo-Json writes enums as numbers
  assert.deepEqual(forms.json.agents.map((a) => a.ref.line), [2, 16, 30, 44]);
  assert.deepEqual(forms.csv.agents.map((a) => a.ref.line), [3, 4, 5, 6]);
  assert.deepEqual(forms.list.agents.map((a) => a.ref.line), [3, 16, 29, 41]);
  assert.deepEqual(forms.clixml.agents.map((a) => a.ref.line), [2, 34, 72, 98]);

  const table = parseTransportAgentExport(TABLE_EXPORT, 'agents-table.txt');
  assert.equal(table.host, null);
  assert.deepEqual(table.agents.map((a) => [a.name, a.enabled, a.priority, a.factory, a.assemblyPath, a.extra['view'], a.ref.line]), [
    ['Transport Rule Agent', true, 1, '', '', 'table', 5],
    ['Malware Agent', true, 2, '', '', 'table', 6],
    ['Exchange DkimSigner', true, 3, '', '', 'table', 7],
    ['Connection Filtering Agent', true, 4, '', '', 'table', 8],
  ]);
});

test('Format-List: a wrapped value is re-joined exactly, a cut before a space keeps the space; ANSI colours and WARNING lines are ignored', () => {
  const text = [
    '[PS] C:\\Windows\\system32>Get-TransportAgent "Connection Filtering Agent" | fl',
    '',
    '\x1b[32;1mEnabled               : \x1b[0mFalse',
    '\x1b[32;1mPriority              : \x1b[0m10',
    'TransportAgentFactory : Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFact',
    '                        ory',
    'AssemblyPath          : C:\\Program Files\\Microsoft\\Exchange Server\\V15\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange',
    '                        .Transport.Agent.ConnectionFiltering.dll',
    'IsCritical            : True',
    'EscalationTeam        :',
    'Identity              : Connection Filtering',
    '                         Agent',
    'IsValid               : True',
    'ObjectState           : New',
    '',
    'WARNING: Please exit Windows PowerShell to complete the installation.',
    'WARNING: The following service restart is required for the change(s) to take effect : MSExchangeTransport',
    '',
  ].join('\r\n');
  const r = parseTransportAgentExport(text, 'install-output.txt');
  assert.equal(r.agents.length, 1);
  const a = r.agents[0]!;
  assert.deepEqual(core(a), {
    name: 'Connection Filtering Agent',
    factory: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory',
    assemblyPath: EXPECTED[3]!.assemblyPath,
    enabled: false,
    priority: 10,
  });
  assert.equal(a.ref.line, 3);
  assert.deepEqual(a.extra, { IsCritical: 'True', EscalationTeam: '', IsValid: 'True', ObjectState: 'New' });
});

test('JSON variants: a single object, AssemblyPath and Identity as objects, Name fallback, the {value, Count} wrapper, back-to-back documents', () => {
  const one = parseTransportAgentExport('{"Identity":"Exchange DkimSigner","Enabled":false,"Priority":3,"TransportAgentFactory":"Exchange.DkimSigner.DkimSigningRoutingAgentFactory","AssemblyPath":{"PathName":"C:\\\\Program Files\\\\Exchange DkimSigner\\\\ExchangeDkimSigner.dll","IsLocalFull":true}}', 'dkim.json');
  assert.deepEqual(core(one.agents[0]!), { ...EXPECTED[2], enabled: false });
  const objs = parseTransportAgentExport(JSON.stringify([
    { Identity: { Name: 'Malware Agent', IsRelativeDn: false }, Enabled: 'True', Priority: '2', TransportAgentFactory: 'F', AssemblyPath: { Path: 'C:\\m.dll' } },
    { Name: 'Security Interop Agent', Enabled: true },
  ], null, 2), 'x.json');
  assert.deepEqual(objs.agents.map((a) => [a.name, a.enabled, a.priority, a.assemblyPath, a.factory]), [
    ['Malware Agent', true, 2, 'C:\\m.dll', 'F'],
    ['Security Interop Agent', true, 2, '', ''], // no Priority: its position; the sort is stable
  ]);
  const wrapped = parseTransportAgentExport('{"value":[{"Identity":"A","Enabled":true,"Priority":1}],"Count":1}', 'w.json');
  assert.deepEqual(wrapped.agents.map((a) => a.name), ['A']);
  const concatenated = parseTransportAgentExport('{"Identity":"B","Enabled":true,"Priority":2}\n{"Identity":"A","Enabled":true,"Priority":1}\n', 'c.json');
  assert.deepEqual(concatenated.agents.map((a) => [a.name, a.ref.line]), [['A', 2], ['B', 1]]);
  const noPath = inputError(() => parseTransportAgentExport('[{"Identity":"A","Enabled":true,"AssemblyPath":{"IsUnc":false}}]', 'p.json'));
  assert.match(noPath.message, /AssemblyPath of agent "A" is an object without PathName or Path/);
});

test('CLIXML variants: one <Obj> holding a list, Select-Object output (properties only in <MS>), _xHHHH_ escapes, an Identity object with a Name', () => {
  const text = `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
  <Obj RefId="0">
    <TN RefId="0"><T>System.Object[]</T><T>System.Array</T><T>System.Object</T></TN>
    <LST>
      <Obj RefId="1">
        <TN RefId="1"><T>Selected.Deserialized.Microsoft.Exchange.Data.Directory.SystemConfiguration.TransportAgent</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>
        <MS>
          <S N="Identity">Exchange DkimSigner</S>
          <B N="Enabled">false</B>
          <I32 N="Priority">7</I32>
          <S N="Escalation_x0020_Team">Mail_x005F_x0020_Ops_x000A_</S>
        </MS>
      </Obj>
      <Obj RefId="2">
        <TNRef RefId="1" />
        <MS>
          <Obj N="Identity" RefId="3"><TN RefId="2"><T>Deserialized.Some.ObjectId</T></TN><Props><S N="Name">Malware Agent</S></Props></Obj>
          <B N="Enabled">true</B>
          <I32 N="Priority">2</I32>
        </MS>
      </Obj>
    </LST>
  </Obj>
</Objs>`;
  const r = parseTransportAgentExport(text, 'selected.xml');
  assert.deepEqual(r.agents.map((a) => [a.name, a.enabled, a.priority, a.ref.line]), [['Malware Agent', true, 2, 14], ['Exchange DkimSigner', false, 7, 5]]);
  assert.deepEqual(r.agents[1]!.extra, { 'Escalation Team': 'Mail_x0020_Ops\n' });
});

test('agents are sorted by priority; host from PSComputerName; service from the argument, a TransportService property or the file name', () => {
  const csv = '"Identity","Enabled","Priority","PSComputerName"\n"Late","True","9","EX01"\n"Early","False","1","EX01"\n"Other","True","5","EX02"\n';
  const r = parseTransportAgentExport(csv, 'Get-TransportAgent_Edge.csv');
  assert.deepEqual(r.agents.map((a) => [a.name, a.priority]), [['Early', 1], ['Other', 5], ['Late', 9]]);
  assert.equal(r.host, 'EX01');
  assert.equal(r.agents[1]!.extra['PSComputerName'], 'EX02');
  assert.equal(r.service, 'Edge');
  assert.equal(parseTransportAgentExport(csv, 'Get-TransportAgent_Edge.csv', 'Hub').service, 'Hub');
  assert.equal(parseTransportAgentExport(csv, 'agents.csv').service, null);
  const withProp = '"Identity","Enabled","TransportService"\n"A","True","FrontEnd"\n';
  assert.equal(parseTransportAgentExport(withProp, 'agents.csv').service, 'FrontEnd');
});

test('serviceFromName: case-insensitive, word-ish matches only', () => {
  const cases: [string, string | null][] = [
    ['transport-agents.FrontEnd.json', 'FrontEnd'],
    ['Get-TransportAgent_Edge.csv', 'Edge'],
    ['C:\\cases\\ex01\\agents-hub.xml', 'Hub'],
    ['agents.MAILBOXSUBMISSION.txt', 'MailboxSubmission'],
    ['/tmp/MailboxDelivery agents.json', 'MailboxDelivery'],
    ['EdgeTransport.json', null],
    ['github-export.json', null],
    ['hub-vs-edge.json', null],
    ['edge01.json', null],
    ['/collect/Edge/agents.json', null],
  ];
  for (const [f, s] of cases) assert.equal(serviceFromName(f), s, f);
});

test('table view: an Identity cut short by the column is flagged; Format-Table -Wrap continuation lines are joined', () => {
  const text = [
    'Identity             Enabled Priority',
    '--------             ------- --------',
    'Transport Rule Agent True           1',
    'Symantec Mail Sec... True           2',
    'Connection           True           3',
    'Filtering Agent',
    '',
  ].join('\n');
  const r = parseTransportAgentExport(text, 't.txt');
  assert.deepEqual(r.agents.map((a) => [a.name, a.extra['truncated'] ?? null]), [
    ['Transport Rule Agent', null], ['Symantec Mail Sec...', 'Identity'], ['Connection Filtering Agent', null],
  ]);
});

test('malformed exports: an ExchangeInputError naming the file and the line, never another exception', () => {
  const cases: [string, string, RegExp, number | undefined][] = [
    ['truncated.json', JSON_EXPORT.slice(0, JSON_EXPORT.indexOf('"Priority":  2,') + 15), /not valid JSON: expected a property name, found end of input \(truncated\?\)/, 21],
    ['cut-string.json', JSON_EXPORT.slice(0, JSON_EXPORT.indexOf('Malware Agent')), /not valid JSON: string not closed/, 26],
    ['comma.json', '[\n  {"Identity": "A", "Enabled": true,}\n]', /not valid JSON: expected a property name/, 2],
    ['deep.json', `${'['.repeat(200)}${']'.repeat(200)}`, /nested deeper than 128/, 1],
    ['ctl.json', '[{"Identity": "A\tB"}]', /control character/, 1],
    ['scalar.json', '[\n{"Identity":"A","Enabled":true},\n42\n]', /item 2 of the JSON array is not an object/, 3],
    ['ragged.csv', CSV_EXPORT.replace('"Malware Agent",', ''), /CSV row has 11 cells, the header has 12/, 4],
    ['quote.csv', '"Identity","Enabled"\n"A","True\n', /quoted field not closed/, 2],
    ['stray.csv', '"Identity","Enabled"\n"A,"True"\n', /CSV row has 1 cells, the header has 2/, 2],
    ['semicolon.csv', '"Identity";"Enabled";"Priority"\n"A";"True";"1"\n', /not comma-separated/, 1],
    ['noid.json', '[{"Identity":"A","Enabled":true},\n {"Enabled":true,"Priority":2}]', /object 2 has no Identity \(or Name\)/, 2],
    ['prio.csv', '"Identity","Enabled","Priority"\n"A","True","1"\n"B","True","high"\n', /Priority of agent "B" is "high", not a positive whole number/, 3],
    ['prio0.json', '{"Identity":"A","Enabled":true,"Priority":0}', /not a positive whole number/, 1],
    ['enabled.txt', 'Identity : A\nEnabled  : Yes\nPriority : 1\n', /Enabled of agent "A" is "Yes", not True or False/, 1],
    ['noenabled.txt', 'Identity : A\nPriority : 1\n', /agent "A" has no Enabled property/, 1],
    ['dup.txt', 'Identity : A\nEnabled  : True\nIdentity : B\nEnabled  : True\n', /property Identity given twice/, 3],
    ['junk.txt', 'Identity : A\nEnabled  : True\n<<garbage>>\n', /neither "Property : value" nor a continuation/, 3],
    ['broken.xml', CLIXML_EXPORT.replace('</Props>', ''), /not well-formed CLIXML: end tag <\/Obj> does not match <Props>/, 33],
    ['doctype.xml', `<?xml version="1.0"?>\n<!DOCTYPE Objs [<!ENTITY x "y">]>\n<Objs Version="1.1.0.1" xmlns="${'http://schemas.microsoft.com/powershell/2004/04'}"><Obj><MS><S N="Identity">&x;</S></MS></Obj></Objs>`, /DOCTYPE.*entity expansion/, 2],
    ['ref.xml', '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\n<Obj RefId="0"><Props><S N="Identity">A</S><B N="Enabled">true</B>\n<Ref N="X" RefId="9" /></Props></Obj></Objs>', /<Ref RefId="9"> refers to no <Obj>/, 3],
    ['tnref.xml', '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\n<Obj RefId="0"><TNRef RefId="4" /><Props><S N="Identity">A</S></Props></Obj></Objs>', /<TNRef RefId="4"> refers to no <TN>/, 2],
    ['prim.xml', '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\n<S>just a string</S></Objs>', /<S> is not an object/, 2],
    ['unknown.txt', 'lorem ipsum\n', /not a recognised Get-TransportAgent export/, undefined],
    ['pipeline.json', '[{"Event":"OnEndOfData","TransportAgents":["A"]}]', /this is Get-TransportPipeline output, not Get-TransportAgent/, undefined],
  ];
  for (const [file, text, re, line] of cases) {
    const e = inputError(() => parseTransportAgentExport(text, file));
    assert.equal(e.file, file);
    assert.match(e.message, re, file);
    assert.equal(e.line, line, `${file}: ${e.message}`);
  }
});

test('bounds: more than 10,000 agents and more than 16 MiB are refused', () => {
  const rows = Array.from({ length: 10_001 }, (_, i) => `"Agent ${i}","True","${i + 1}"`);
  const e = inputError(() => parseTransportAgentExport(`"Identity","Enabled","Priority"\n${rows.join('\n')}\n`, 'many.csv'));
  assert.match(e.message, /more than 10000 objects/);
  assert.equal(e.line, 10_002);
  assert.equal(parseTransportAgentExport(`"Identity","Enabled","Priority"\n${rows.slice(0, 10_000).join('\n')}\n`, 'ok.csv').agents.length, 10_000);
  assert.match(inputError(() => parseTransportAgentExport(`[${' '.repeat(16 * 1024 * 1024)}]`, 'big.json')).message, /larger than/);
  const props = Array.from({ length: 1001 }, (_, i) => `"p${i}":1`).join(',');
  assert.match(inputError(() => parseTransportAgentExport(`{"Identity":"A","Enabled":true,${props}}`, 'wide.json')).message, /more than 1000 properties/);
});

// ------------------------------------------------------------------------------------------------
// Get-TransportPipeline

const PIPELINE_EXPECTED = [
  { event: 'OnConnectEvent', agents: ['Connection Filtering Agent'] },
  { event: 'OnEndOfData', agents: ['Connection Filtering Agent', 'Exchange DkimSigner'] },
  { event: 'OnSubmittedMessage', agents: ['Malware Agent'] },
  { event: 'OnRoutedMessage', agents: ['Transport Rule Agent', 'Text Messaging Routing Agent', 'Exchange DkimSigner', 'System Probe Drop Routing Agent'] },
];

const PIPELINE_JSON = `[
    {
        "Event":  "OnConnectEvent",
        "TransportAgents":  [
                                "Connection Filtering Agent"
                            ]
    },
    {
        "Event":  "OnEndOfData",
        "TransportAgents":  [
                                "Connection Filtering Agent",
                                "Exchange DkimSigner"
                            ]
    },
    {
        "Event":  "OnSubmittedMessage",
        "TransportAgents":  [
                                "Malware Agent"
                            ]
    },
    {
        "Event":  "OnRoutedMessage",
        "TransportAgents":  [
                                "Transport Rule Agent",
                                "Text Messaging Routing Agent",
                                "Exchange DkimSigner",
                                "System Probe Drop Routing Agent"
                            ]
    }
]`;

// an 80-column console: the last list wraps, the cut falls just before a space
const PIPELINE_LIST = `

Event           : OnConnectEvent
TransportAgents : {Connection Filtering Agent}

Event           : OnEndOfData
TransportAgents : {Connection Filtering Agent, Exchange DkimSigner}

Event           : OnSubmittedMessage
TransportAgents : {Malware Agent}

Event           : OnRoutedMessage
TransportAgents : {Transport Rule Agent, Text Messaging Routing Agent, Exchange
                   DkimSigner, System Probe Drop Routing Agent}


`;

const PIPELINE_CSV = [
  '#TYPE Selected.Deserialized.Microsoft.Exchange.Management.AgentTasks.TransportPipelineEvent',
  '"Event","TransportAgents"',
  '"OnConnectEvent","Connection Filtering Agent"',
  '"OnEndOfData","Connection Filtering Agent;Exchange DkimSigner"',
  '"OnSubmittedMessage","Malware Agent"',
  '"OnRoutedMessage","Transport Rule Agent;Text Messaging Routing Agent;Exchange DkimSigner;System Probe Drop Routing Agent"',
  '',
].join('\r\n');

const PIPELINE_TABLE = `
Event              TransportAgents
-----              ---------------
OnConnectEvent     {Connection Filtering Agent}
OnEndOfData        {Connection Filtering Agent, Exchange DkimSigner}
OnSubmittedMessage {Malware Agent}
OnRoutedMessage    {Transport Rule Agent, Text Messaging Routing Agent, Exchange DkimSigner, System Probe Drop Routing Agent}

`;

const PIPELINE_CLIXML = `<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">
${PIPELINE_EXPECTED.map((e, i) => `  <Obj RefId="${i * 2}">
    ${i === 0 ? '<TN RefId="0"><T>Deserialized.Microsoft.Exchange.Management.AgentTasks.TransportPipelineEvent</T><T>Deserialized.System.Object</T></TN>' : '<TNRef RefId="0" />'}
    <ToString>${e.event}</ToString>
    <Props>
      <S N="Event">${e.event}</S>
      <Obj N="TransportAgents" RefId="${i * 2 + 1}">
        ${i === 0 ? '<TN RefId="1"><T>Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]</T><T>Deserialized.System.Collections.ArrayList</T><T>Deserialized.System.Object</T></TN>' : '<TNRef RefId="1" />'}
        <LST>${e.agents.map((a) => `<S>${a}</S>`).join('')}</LST>
      </Obj>
    </Props>
    <MS><S N="PSComputerName">EX01.contoso.local</S></MS>
  </Obj>`).join('\n')}
</Objs>`;

test('Get-TransportPipeline in all its forms gives the same events and agents', () => {
  const forms = {
    json: parseTransportPipelineExport(PIPELINE_JSON, 'pipeline.json'),
    list: parseTransportPipelineExport(PIPELINE_LIST, 'pipeline.txt'),
    csv: parseTransportPipelineExport(PIPELINE_CSV, 'pipeline.csv'),
    table: parseTransportPipelineExport(PIPELINE_TABLE, 'pipeline-table.txt'),
    clixml: parseTransportPipelineExport(decodeText(utf16leWithBom(PIPELINE_CLIXML)), 'pipeline.xml'),
  };
  for (const [form, p] of Object.entries(forms)) {
    assert.deepEqual(p.entries.map((e) => ({ event: e.event, agents: e.agents })), PIPELINE_EXPECTED, form);
    assert.equal(p.host, form === 'clixml' ? 'EX01.contoso.local' : null, form);
    for (const e of p.entries) assert.equal(e.ref.file, p.file);
  }
  assert.deepEqual(forms.list.entries.map((e) => e.ref.line), [3, 6, 9, 12]);
  assert.deepEqual(forms.csv.entries.map((e) => e.ref.line), [3, 4, 5, 6]);
  const comma = parseTransportPipelineExport('"Event","TransportAgents"\n"OnEndOfData","{Connection Filtering Agent, Exchange DkimSigner}"\n"OnRcptCommand",""\n', 'p.csv');
  assert.deepEqual(comma.entries.map((e) => e.agents), [['Connection Filtering Agent', 'Exchange DkimSigner'], []]);
});

test('Get-TransportPipeline exports that lost data are refused with the way to export them properly', () => {
  for (const placeholder of ['System.Collections.ArrayList', 'System.Object[]', 'Microsoft.Exchange.Data.MultiValuedProperty`1[System.String]']) {
    const e = inputError(() => parseTransportPipelineExport(`#TYPE Deserialized.X\n"Event","TransportAgents"\n"OnConnectEvent","Connection Filtering Agent"\n"OnEndOfData","${placeholder}"\n`, 'lost.csv'));
    assert.equal(e.line, 4);
    assert.match(e.message, /export lost the TransportAgents values/);
    assert.ok(e.message.includes("Select Event,@{n='TransportAgents';e={$_.TransportAgents -join ';'}}"), e.message);
  }
  const cut = inputError(() => parseTransportPipelineExport('Event           : OnRoutedMessage\nTransportAgents : {Transport Rule Agent, Malware Agent, Text Messaging Routing Agent, Exchange DkimSigner...}\n', 'cut.txt'));
  assert.match(cut.message, /cut short.*\$FormatEnumerationLimit/);
  assert.equal(cut.line, 1);
  const noAgents = inputError(() => parseTransportPipelineExport('[{"Event":"OnEndOfData","TransportAgents":["A"]},{"Event":"OnRcptCommand","Agents":[]}]', 'p.json'));
  assert.match(noAgents.message, /event OnRcptCommand has no TransportAgents/);
  assert.match(inputError(() => parseTransportPipelineExport(JSON_EXPORT, 'a.json')).message, /this is Get-TransportAgent output, not Get-TransportPipeline/);
});

// ------------------------------------------------------------------------------------------------
// robustness

test('property: mutations of a CLIXML and a JSON export give a registry or an ExchangeInputError, nothing else', () => {
  const tokens = ['<', '>', '/>', '</Obj>', '<Obj RefId="0">', '<Ref RefId="0" />', '<Ref RefId="1" N="Identity" />', '<TNRef RefId="7" />', '&', '&amp;', '&#0;',
    '"', '<!DOCTYPE Objs [<!ENTITY x "y">]>', '<![CDATA[', ']]>', '_x0000_', '<LST>', '</LST>', '<I32 N="Priority">x</I32>', '<Nil N="Identity"/>',
    '{', '}', '[', ']', ',', ':', '\\', '\\u12', 'null', '\u0000', '\ufeff', '\r', '\n'];
  const mutation = fc.record({ op: fc.constantFrom('insert', 'delete', 'truncate'), at: fc.nat(), s: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4 })), n: fc.nat({ max: 60 }) });
  for (const base of [CLIXML_EXPORT, JSON_EXPORT, LIST_EXPORT, CSV_EXPORT]) {
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
      let t = base;
      for (const m of ms) {
        const at = m.at % (t.length + 1);
        if (m.op === 'insert') t = t.slice(0, at) + m.s + t.slice(at);
        else if (m.op === 'delete') t = t.slice(0, at) + t.slice(at + m.n);
        else t = t.slice(0, at);
      }
      try {
        const r = parseTransportAgentExport(t, 'mutated');
        for (const a of r.agents) assert.ok(a.name !== '' && typeof a.enabled === 'boolean' && Number.isInteger(a.priority));
      } catch (e) {
        if (!(e instanceof ExchangeInputError) && !(e instanceof XmlError)) throw e;
      }
    }), { numRuns: 250 });
  }
});

test('CLIXML reference cycles and deep <Ref> chains stay bounded', () => {
  const ns = 'http://schemas.microsoft.com/powershell/2004/04';
  const cycle = `<Objs Version="1.1.0.1" xmlns="${ns}"><Obj RefId="0"><ToString>A</ToString><Props><S N="Identity">A</S><B N="Enabled">true</B><Ref N="Self" RefId="0" /></Props></Obj></Objs>`;
  assert.equal(parseTransportAgentExport(cycle, 'c.xml').agents[0]!.extra['Self'], 'A');
  // each object refers to the next: 2,000 hops through <Ref>
  const chain = Array.from({ length: 2000 }, (_, i) => `<Obj RefId="${i}"><Props><S N="Identity">A${i}</S><B N="Enabled">true</B>${i + 1 < 2000 ? `<Ref N="Next" RefId="${i + 1}" />` : ''}</Props></Obj>`);
  const e = inputError(() => parseTransportAgentExport(`<Objs Version="1.1.0.1" xmlns="${ns}">${chain.join('')}</Objs>`, 'chain.xml'));
  assert.match(e.message, /deeper than 256/);
  // a DAG that doubles at each level: text rendering of extras stops at its budget
  const dag = Array.from({ length: 40 }, (_, i) => `<Obj RefId="${i}"><Props><S N="Identity">A</S><B N="Enabled">true</B>${i < 39 ? `<Ref N="L" RefId="${i + 1}" /><Ref N="R" RefId="${i + 1}" />` : ''}</Props></Obj>`).reverse();
  const r = parseTransportAgentExport(`<Objs Version="1.1.0.1" xmlns="${ns}">${dag.join('')}</Objs>`, 'dag.xml');
  assert.equal(r.agents.length, 40);
  assert.ok(r.agents.every((a) => Object.values(a.extra).every((v) => v.length <= 4097)));
});
