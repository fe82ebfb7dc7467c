const ASCII = /^[\x00-\x7f]*$/;

/** Vietnamese text is kept in Unicode NFC whatever form it arrives in (NFD from some Windows clients). Deep: strings inside arrays and objects too. */
export function toNfc<T>(v: T): T {
  // Plain ASCII is already NFC: skip the normaliser (ids, codes and dates are most strings).
  if (typeof v === 'string') return (ASCII.test(v) ? v : v.normalize('NFC')) as unknown as T;
  if (Array.isArray(v)) return v.map(toNfc) as unknown as T;
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k.normalize('NFC')] = toNfc(x);
    return out as T;
  }
  return v;
}
