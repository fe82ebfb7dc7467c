import { expect } from 'chai';
import { decode, type Form } from './html';

/** A panel's answer to a GET or a form's POST, as a browser that does not follow redirects sees it. */
export interface Sent { status: number; html: string; text: string; location: string | null }

async function read(res: Response): Promise<Sent> {
  const html = await res.text();
  return { status: res.status, html, text: decode(html), location: res.headers.get('location') };
}

/** Opens `href` (a panel path or a redirect's location) against the plugin at `base`. */
export async function open(base: string, href: string): Promise<Sent> {
  return read(await fetch(new URL(href, base), { redirect: 'manual' }));
}

/** POSTs a form as a browser would: its fields, with `changes` (undefined removes a field). */
export async function sendForm(base: string, form: Form, changes: Record<string, string | undefined> = {}): Promise<Sent> {
  const fields: Record<string, string> = { ...form.fields };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete fields[k];
    else fields[k] = v;
  }
  return read(await fetch(new URL(form.action, base), {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
  }));
}

/** The panel path and query a redirect sends the browser to, without its (fresh) context token. */
export function formTarget(location: string | null): string {
  expect(location, 'a redirect').to.be.a('string');
  const u = new URL(location!, 'http://x');
  u.searchParams.delete('ctx');
  return `${u.pathname}?${u.searchParams.toString()}`;
}
