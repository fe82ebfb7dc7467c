import { expect } from 'chai';

/** What an error body must never show: SQL, a stack trace or a source position, a table name. */
export const ERROR_LEAKS: readonly RegExp[] = [/\bselect\b/i, /\binsert\b/i, /\n\s+at /, /\bat \S+ \(.*:\d+:\d+\)/, /\.(?:js|ts):\d+/, /kpi_[a-z_]+/];

/** `text` (what the caller got back) matches none of `leaks`; a failure names `what` and the pattern. */
export function expectNoLeak(text: string, leaks: readonly RegExp[], what: string): void {
  for (const re of leaks) expect(text, `${what} leaks ${re}`).to.not.match(re);
}

/**
 * `body` is the JSON error envelope `{ error: { code, message } }`: code and message non-empty
 * strings, the code `code` when given, and nothing of `leaks` anywhere in it.
 */
export function expectErrorBody(body: unknown, code?: string, leaks: readonly RegExp[] = ERROR_LEAKS, label?: string): void {
  expect(body, label).to.be.an('object').with.property('error');
  const err = (body as { error: { code: unknown; message: unknown } }).error;
  expect(err.code).to.be.a('string').and.not.be.empty;
  expect(err.message).to.be.a('string').and.not.be.empty;
  if (code !== undefined) expect(err.code).to.equal(code);
  expectNoLeak(JSON.stringify(body), leaks, 'error body');
}
