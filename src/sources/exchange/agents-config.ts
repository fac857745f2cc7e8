// agents.config / fetagents.config (TransportRoles\Shared): the transport agent registrations as the
// transport services load them. Checked against the MExRuntime schema: a file that fails these checks
// is one Exchange itself refuses to load (the transport service does not start).
import { ExchangeInputError, fileBaseName, type AgentRegistry, type RegisteredAgent, type RegistrySource } from './model.js';
import { attr, child, children, parseXml, textOf, XmlError, MAX_XML_CHARS, type XmlElement } from './xml.js';
import { setOwn } from '../../util/own-record.js';

export const MAX_AGENTS = 10_000;
/** XSD `id-string` */
const MAX_NAME_CHARS = 64;
const REQUIRED = ['name', 'baseType', 'classFactory', 'assemblyPath', 'enabled'] as const;

function sourceOf(file: string): RegistrySource {
  return /^fetagents\.config(\..*)?$/i.test(fileBaseName(file)) ? 'fetagents.config' : 'agents.config';
}

/** xsd:boolean: whitespace-collapsed `true`, `false`, `1` or `0` (case-sensitive). */
function xsdBoolean(v: string): boolean | null {
  switch (v.trim()) {
    case 'true': case '1': return true;
    case 'false': case '0': return false;
    default: return null;
  }
}

export function parseAgentsConfig(text: string, file: string): AgentRegistry {
  const source = sourceOf(file);
  const bad = (message: string, line?: number): ExchangeInputError =>
    new ExchangeInputError(file, `not a valid ${source} (Exchange refuses to load it; transport will not start): ${message}`, line);
  if (text.length > MAX_XML_CHARS) throw bad(`larger than ${MAX_XML_CHARS} characters`);
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (e) {
    if (e instanceof XmlError) throw bad(`not well-formed XML: ${e.message} (column ${e.col})`, e.line);
    throw e;
  }
  if (root.name !== 'configuration') throw bad(`the root element is <${root.name}>, not <configuration>`, root.line);
  const mex = child(root, 'mexRuntime');
  if (!mex) throw bad('no <mexRuntime> element under <configuration>', root.line);
  const list = child(mex, 'agentList');
  if (!list) throw bad('no <agentList> element under <mexRuntime>', mex.line);

  const settings: Record<string, string> = {};
  const monitoring = child(mex, 'monitoring');
  const exec = monitoring && child(monitoring, 'agentExecution');
  const limit = exec && attr(exec, 'timeLimitInMilliseconds');
  if (limit !== undefined) settings['timeLimitInMilliseconds'] = limit;
  const snapshot = monitoring && child(monitoring, 'messageSnapshot');
  const snapEnabled = snapshot && attr(snapshot, 'enabled');
  if (snapEnabled !== undefined) settings['messageSnapshot'] = snapEnabled;
  const set = child(mex, 'settings');
  const dispose = set && child(set, 'disposeAgents');
  if (dispose) settings['disposeAgents'] = textOf(dispose).trim();

  const elements = children(list, 'agent');
  if (elements.length > MAX_AGENTS) throw bad(`more than ${MAX_AGENTS} agents`, elements[MAX_AGENTS]!.line);
  const agents: RegisteredAgent[] = elements.map((el, i) => {
    const lineOf = (a: string): number => (Object.hasOwn(el.attrLines, a) ? el.attrLines[a]! : el.line);
    for (const a of REQUIRED) {
      const v = attr(el, a);
      if (v === undefined) throw bad(`<agent> #${i + 1} has no ${a} attribute`, el.line);
      if (v.trim() === '') throw bad(`<agent> #${i + 1} has an empty ${a} attribute`, lineOf(a));
    }
    const name = attr(el, 'name')!;
    if (name.length > MAX_NAME_CHARS) throw bad(`<agent> #${i + 1} has a name longer than ${MAX_NAME_CHARS} characters`, lineOf('name'));
    const enabled = xsdBoolean(attr(el, 'enabled')!);
    if (enabled === null) throw bad(`<agent name="${name}"> has enabled=${JSON.stringify(attr(el, 'enabled'))}, not true or false`, lineOf('enabled'));
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(el.attrs)) if (!(REQUIRED as readonly string[]).includes(k)) setOwn(extra, k, v);
    return {
      name,
      factory: attr(el, 'classFactory')!,
      baseType: attr(el, 'baseType')!,
      assemblyPath: attr(el, 'assemblyPath')!,
      enabled,
      priority: i + 1,
      ref: { file, line: el.line },
      extra,
    };
  });
  return { source, service: source === 'fetagents.config' ? 'FrontEnd' : null, host: null, file, agents, settings };
}

/** Content check on the start of a file: a `<configuration>` root holding `<mexRuntime>`. */
export function looksLikeAgentsConfig(head: string): boolean {
  const m = /^\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<configuration[\s/>]/.exec(head);
  return m !== null && head.indexOf('<mexRuntime', m[0].length) >= 0;
}
