/** Every field of a panel's POST forms as a browser would submit them: inputs, checked boxes and radios, selects, textareas. */
import { decode } from './html';

export interface FullForm { action: string; fields: Record<string, string>; html: string }

function attr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? decode(m[1]!) : null;
}

const has = (tag: string, name: string): boolean => new RegExp(`\\s${name}(?=[\\s>=])`).test(tag);

export function fullFormsOf(html: string): FullForm[] {
  const out: FullForm[] = [];
  for (const m of html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const body = m[2]!;
    const fields: Record<string, string> = {};
    for (const i of body.matchAll(/<input\b[^>]*>/g)) {
      const tag = i[0];
      const name = attr(tag, 'name');
      if (name === null) continue;
      const type = attr(tag, 'type') ?? 'text';
      if ((type === 'checkbox' || type === 'radio') && !has(tag, 'checked')) continue;
      fields[name] = attr(tag, 'value') ?? 'on';
    }
    for (const t of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
      const name = attr(t[1]!, 'name');
      if (name !== null) fields[name] = decode(t[2]!);
    }
    for (const s of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
      const name = attr(s[1]!, 'name');
      if (name === null) continue;
      const options = [...s[2]!.matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
      const chosen = options.find((o) => has(o, 'selected')) ?? options[0];
      if (chosen !== undefined) fields[name] = attr(chosen, 'value') ?? '';
    }
    out.push({ action: decode(m[1]!), fields, html: body });
  }
  return out;
}
