// A checker for the subset of JSON Schema 2020-12 that schemas/finding.schema.json uses: type,
// const, enum, properties, required, additionalProperties, items, minItems, maxItems, minLength,
// pattern, minimum, maximum, format (date-time) and local $ref (#/$defs/...). Any other keyword is
// an error, so the schema cannot drift into something this checker silently ignores.

export type Schema = boolean | { [k: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs', '$comment']);
const KNOWN = new Set(['type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minLength', 'pattern', 'minimum', 'maximum', 'format', '$ref']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const typeMatches = (want: string, got: string) => want === got || (want === 'number' && got === 'integer');

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Errors of `value` against `schema` (empty: valid), each as `path: message`. */
export function validate(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: no value is allowed here`];
  const errs: string[] = [];
  for (const k of Object.keys(schema)) if (!ANNOTATIONS.has(k) && !KNOWN.has(k)) errs.push(`${path}: schema keyword '${k}' is not supported by this checker`);
  if (typeof schema['$ref'] === 'string') {
    const ref = schema['$ref'];
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const target = m ? ((root as Record<string, unknown>)['$defs'] as Record<string, Schema> | undefined)?.[m[1]!] : undefined;
    if (target === undefined) return [...errs, `${path}: cannot resolve $ref ${ref}`];
    errs.push(...validate(value, target, root, path));
  }
  const t = typeOf(value);
  if (schema['type'] !== undefined) {
    const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : [schema['type'] as string];
    if (!types.some((w) => typeMatches(w, t))) return [...errs, `${path}: ${t} is not ${types.join(' or ')}`];
  }
  if ('const' in schema && !deepEqual(value, schema['const'])) errs.push(`${path}: must be ${JSON.stringify(schema['const'])}`);
  if (Array.isArray(schema['enum']) && !schema['enum'].some((e) => deepEqual(e, value))) errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema['enum'])}`);
  if (typeof value === 'string') {
    if (typeof schema['minLength'] === 'number' && [...value].length < schema['minLength']) errs.push(`${path}: shorter than ${schema['minLength']}`);
    if (typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'], 'u').test(value)) errs.push(`${path}: ${JSON.stringify(value.slice(0, 80))} does not match ${schema['pattern']}`);
    if (schema['format'] === 'date-time' && Number.isNaN(Date.parse(value))) errs.push(`${path}: not a date-time`);
  }
  if (typeof value === 'number') {
    if (typeof schema['minimum'] === 'number' && value < schema['minimum']) errs.push(`${path}: ${value} < ${schema['minimum']}`);
    if (typeof schema['maximum'] === 'number' && value > schema['maximum']) errs.push(`${path}: ${value} > ${schema['maximum']}`);
  }
  if (Array.isArray(value)) {
    if (typeof schema['minItems'] === 'number' && value.length < schema['minItems']) errs.push(`${path}: fewer than ${schema['minItems']} items`);
    if (typeof schema['maxItems'] === 'number' && value.length > schema['maxItems']) errs.push(`${path}: more than ${schema['maxItems']} items`);
    if (schema['items'] !== undefined) value.forEach((v, i) => errs.push(...validate(v, schema['items'] as Schema, root, `${path}[${i}]`)));
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    const props = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const r of (schema['required'] ?? []) as string[]) if (!(r in obj)) errs.push(`${path}: missing required '${r}'`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errs.push(...validate(v, props[k]!, root, `${path}.${k}`));
      else if (schema['additionalProperties'] !== undefined) errs.push(...validate(v, schema['additionalProperties'] as Schema, root, `${path}.${k}`).map((e) => (schema['additionalProperties'] === false ? `${path}: unexpected field '${k}'` : e)));
    }
  }
  return errs;
}
