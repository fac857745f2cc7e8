// Records keyed by names from evidence. A name such as `__proto__` or `constructor` is an ordinary
// key: records have no prototype (so nothing is inherited and `o[k] = v` never sets one), and keys
// are defined as own properties even on ordinary objects.

/** An empty record without a prototype. */
export function ownRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A prototype-less copy of `src`'s own enumerable properties (a `__proto__` key included). */
export function ownCopy<T>(src: Record<string, T>): Record<string, T> {
  const out = ownRecord<T>();
  for (const k of Object.keys(src)) out[k] = src[k]!;
  return out;
}

/** `rec[key] = value` as an own property, whatever the key and the object's prototype. */
export function setOwn<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}
