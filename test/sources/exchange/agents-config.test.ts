import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { looksLikeAgentsConfig, parseAgentsConfig } from '../../../src/sources/exchange/agents-config.js';
import { ExchangeInputError } from '../../../src/sources/exchange/model.js';
import { XmlError } from '../../../src/sources/exchange/xml.js';
import { agentsConfigXml, DKIM_AGENT, inputError, LIGHTNEURON_AGENT, MAILBOX_2019 as MAILBOX_DEFAULTS } from '../../support/exchange-collection.js';

const V15 = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
const FILE = 'E:\\collect\\EX01\\TransportRoles\\Shared\\agents.config';

// An Exchange 2019 Mailbox server's list (DOMAIN §1.3) plus a DkimSigner agent and, appended last, a
// LightNeuron-style "Connection Filtering Agent" as CTID installs it (§3.2) on a Mailbox server.
const MAILBOX_2019 = agentsConfigXml([...MAILBOX_DEFAULTS.slice(0, 5), DKIM_AGENT, LIGHTNEURON_AGENT], true);

/** One agent element in a minimal valid file, for the validation cases. */
function withAgent(agentXml: string): string {
  return `<configuration>\n<mexRuntime>\n<monitoring><agentExecution timeLimitInMilliseconds="300000"/></monitoring>\n<agentList>\n${agentXml}\n</agentList>\n</mexRuntime>\n</configuration>\n`;
}
const GOOD_ATTRS = 'name="X" baseType="Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgent" classFactory="X.F" assemblyPath="C:\\x.dll" enabled="true"';

test('an Exchange 2019 Mailbox agents.config: every agent in order, priority = position, with its line and base type', () => {
  const r = parseAgentsConfig(MAILBOX_2019, FILE);
  assert.equal(r.source, 'agents.config');
  assert.equal(r.service, null);
  assert.equal(r.host, null);
  assert.equal(r.file, FILE);
  assert.deepEqual(r.settings, { timeLimitInMilliseconds: '90000', messageSnapshot: 'false', disposeAgents: 'false' });
  assert.deepEqual(r.agents.map((a) => [a.priority, a.name, a.ref.line]), [
    [1, 'Transport Rule Agent', 9],
    [2, 'Malware Agent', 13],
    [3, 'Text Messaging Routing Agent', 17],
    [4, 'Text Messaging Delivery Agent', 21],
    [5, 'System Probe Drop Smtp Agent', 25],
    [6, 'Exchange DkimSigner', 29],
    [7, 'Connection Filtering Agent', 33],
  ]);
  const cf = r.agents[6]!;
  assert.deepEqual(cf, {
    name: 'Connection Filtering Agent',
    factory: 'Microsoft.Exchange.Transport.Agent.ConnectionFiltering.ConnectionFilteringAgentFactory',
    baseType: 'Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgent',
    assemblyPath: `${V15}\\TransportRoles\\agents\\Hygiene\\Microsoft.Exchange.Transport.Agent.ConnectionFiltering.dll`,
    enabled: true,
    priority: 7,
    ref: { file: FILE, line: 33 },
    extra: {},
  });
  assert.equal(r.agents[5]!.assemblyPath, 'C:\\Program Files\\Exchange DkimSigner\\ExchangeDkimSigner.dll');
});

test('fetagents.config: source and FrontEnd service from the name; an empty agentList and no optional elements', () => {
  const text = '\ufeff<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n  <mexRuntime>\r\n    <agentList />\r\n  </mexRuntime>\r\n</configuration>\r\n';
  for (const f of ['fetagents.config', 'C:/x/FETAGENTS.CONFIG', 'D:\\case\\fetagents.config.bak', 'fetagents.config.template']) {
    const r = parseAgentsConfig(text, f);
    assert.equal(r.source, 'fetagents.config', f);
    assert.equal(r.service, 'FrontEnd');
    assert.deepEqual(r.agents, []);
    assert.deepEqual(r.settings, {});
  }
  assert.equal(parseAgentsConfig(text, 'my-fetagents.config').source, 'agents.config');
  assert.equal(parseAgentsConfig(text, 'agents.config.template').service, null);
});

test('unknown attributes and elements are tolerated; unknown agent attributes land in extra', () => {
  const text = withAgent(`<agent ${GOOD_ATTRS} escalationTeam="Mail Ops" __proto__="x" />\n<comment>not an agent</comment>`)
    .replace('<monitoring>', '<futureElement a="1"/><monitoring>');
  const r = parseAgentsConfig(text, FILE);
  assert.equal(r.agents.length, 1);
  assert.deepEqual(r.agents[0]!.extra, { escalationTeam: 'Mail Ops', ['__proto__']: 'x' });
  assert.ok(Object.hasOwn(r.agents[0]!.extra, '__proto__'));
  assert.equal(r.settings['timeLimitInMilliseconds'], '300000');
});

test('enabled is xsd:boolean: true/false/1/0 accepted (what the schema-validating loader takes), anything else refused', () => {
  const en = (v: string): boolean => parseAgentsConfig(withAgent(`<agent ${GOOD_ATTRS.replace('enabled="true"', `enabled="${v}"`)} />`), FILE).agents[0]!.enabled;
  assert.equal(en('true'), true);
  assert.equal(en(' false '), false);
  assert.equal(en('1'), true);
  assert.equal(en('0'), false);
  for (const v of ['True', 'yes', '', 'enabled']) {
    const e = inputError(() => en(v));
    assert.equal(e.line, 5);
    assert.match(e.message, v === '' ? /empty enabled/ : /enabled=.*not true or false/);
  }
});

test('schema violations: ExchangeInputError naming the file, the line and the problem, saying the file is not a valid agents.config', () => {
  const cases: [string, RegExp, number | undefined][] = [
    ['this is not xml', /not well-formed XML: text before the root element/, 1],
    ['<?xml version="1.0"?>\n<configuration>\n<mexRuntime>\n<agentList>\n</mexRuntime>', /not well-formed XML: end tag <\/mexRuntime> does not match <agentList>/, 5],
    ['<?xml version="1.0"?>\n<settings><mexRuntime/></settings>', /root element is <settings>, not <configuration>/, 2],
    ['<configuration>\n  <runtime/>\n</configuration>', /no <mexRuntime>/, 1],
    ['<configuration>\n  <mexRuntime>\n    <monitoring/>\n  </mexRuntime>\n</configuration>', /no <agentList>/, 2],
    [withAgent(`<agent ${GOOD_ATTRS.replace('name="X" ', '')} />`), /<agent> #1 has no name attribute/, 5],
    [withAgent(`<agent ${GOOD_ATTRS.replace('classFactory="X.F" ', '')} />`), /has no classFactory attribute/, 5],
    [withAgent(`<agent ${GOOD_ATTRS.replace('assemblyPath="C:\\x.dll" ', '')} />`), /has no assemblyPath attribute/, 5],
    [withAgent(`<agent ${GOOD_ATTRS.replace('baseType="Microsoft.Exchange.Data.Transport.Smtp.SmtpReceiveAgent" ', '')} />`), /has no baseType attribute/, 5],
    [withAgent(`<agent ${GOOD_ATTRS.replace(' enabled="true"', '')} />`), /has no enabled attribute/, 5],
    [withAgent(`<agent ${GOOD_ATTRS} />\n<agent\n  ${GOOD_ATTRS.replace('name="X"', 'name=""')} />`), /<agent> #2 has an empty name attribute/, 7],
    [withAgent(`<agent ${GOOD_ATTRS.replace('name="X"', `name="${'A'.repeat(65)}"`)} />`), /name longer than 64/, 5],
    [withAgent(`<agent ${GOOD_ATTRS.replace('enabled="true"', 'enabled="maybe"')} />`), /<agent name="X"> has enabled="maybe", not true or false/, 5],
  ];
  for (const [text, re, line] of cases) {
    const e = inputError(() => parseAgentsConfig(text, FILE));
    assert.equal(e.file, FILE);
    assert.match(e.message, /not a valid agents\.config \(Exchange refuses to load it; transport will not start\)/);
    assert.match(e.message, re, text);
    assert.equal(e.line, line, `${text}\n${e.message}`);
    assert.ok(e.message.startsWith(`${FILE}:${line}: `));
  }
  assert.match(inputError(() => parseAgentsConfig('<x/>', 'fetagents.config')).message, /not a valid fetagents\.config/);
});

test('hostile XML: DOCTYPE with entities, unclosed tags, a depth bomb, oversize input', () => {
  const lol = `<?xml version="1.0"?>\n<!DOCTYPE configuration [\n  <!ENTITY a "${'x'.repeat(10)}">\n  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<configuration><mexRuntime><agentList><agent name="&b;"/></agentList></mexRuntime></configuration>`;
  const dtd = inputError(() => parseAgentsConfig(lol, FILE));
  assert.match(dtd.message, /DOCTYPE.*entity expansion/);
  assert.equal(dtd.line, 2);
  const unclosed = inputError(() => parseAgentsConfig(MAILBOX_2019.replace('</configuration>', ''), FILE));
  assert.match(unclosed.message, /element <configuration> \(line 2\) not closed/);
  assert.equal(unclosed.line, 43); // the end of the input
  const bomb = inputError(() => parseAgentsConfig(`<configuration>${'<mexRuntime>'.repeat(10_000)}`, FILE));
  assert.match(bomb.message, /deeper than 64/);
  const big = inputError(() => parseAgentsConfig(MAILBOX_2019 + ' '.repeat(16 * 1024 * 1024), FILE));
  assert.match(big.message, /larger than/);
});

test('looksLikeAgentsConfig: a <configuration> root holding <mexRuntime>, by content', () => {
  assert.equal(looksLikeAgentsConfig(MAILBOX_2019.slice(0, 200)), true);
  assert.equal(looksLikeAgentsConfig('\ufeff<!-- saved -->\n<configuration>\n <mexRuntime>'), true);
  assert.equal(looksLikeAgentsConfig('<?xml version="1.0"?>\n<configuration>\n  <appSettings/>\n</configuration>'), false); // a .NET app.config
  assert.equal(looksLikeAgentsConfig('<Objs Version="1.1.0.1"><mexRuntime/></Objs>'), false);
  assert.equal(looksLikeAgentsConfig('<configurations><mexRuntime/>'), false);
  assert.equal(looksLikeAgentsConfig('Identity : x'), false);
});

test('property: mutations of a valid agents.config give a registry or an ExchangeInputError, nothing else', () => {
  const tokens = ['<', '>', '/>', '</agent>', '<agent ', '&', '&amp;', '&#0;', '&#x110000;', '&lol;', '"', "'", '=', '<!DOCTYPE x [<!ENTITY lol "a">]>',
    '<![CDATA[', ']]>', '<!--', '-->', '<?', '?>', 'enabled="maybe"', 'name=""', '\u0000', '\ufeff', '\r', '\n', ' ', '<mexRuntime>', '<agentList>'];
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 4 })) }),
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), s: fc.nat({ max: 40 }).map(String) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat(), s: fc.constant('') }),
  );
  fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
    let t = MAILBOX_2019;
    for (const m of ms) {
      const at = m.at % (t.length + 1);
      if (m.op === 'insert') t = t.slice(0, at) + m.s + t.slice(at);
      else if (m.op === 'delete') t = t.slice(0, at) + t.slice(at + Number(m.s));
      else t = t.slice(0, at);
    }
    try {
      const r = parseAgentsConfig(t, FILE);
      assert.ok(Array.isArray(r.agents));
      for (const a of r.agents) assert.ok(a.name !== '' && typeof a.enabled === 'boolean' && a.priority >= 1);
    } catch (e) {
      if (!(e instanceof ExchangeInputError) && !(e instanceof XmlError)) throw e;
      if (e instanceof ExchangeInputError) assert.equal(e.file, FILE);
    }
  }), { numRuns: 400 });
});
