/** Reading the panels' HTML as a browser would, for the e2e tests. */

export type Form = { action: string; fields: Record<string, string> };

/** The text of HTML attribute values and text nodes, as a browser reads them. */
export function decode(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_m, x: string) => String.fromCodePoint(parseInt(x, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** The POST forms of a page with their hidden and pre-filled fields. */
export function formsOf(html: string): Form[] {
  const out: Form[] = [];
  for (const m of html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const i of m[2]!.matchAll(/<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"/g)) fields[decode(i[1]!)] = decode(i[2]!);
    out.push({ action: decode(m[1]!), fields });
  }
  return out;
}
