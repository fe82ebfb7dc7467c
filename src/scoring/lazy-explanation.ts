/**
 * Explanations built on demand (bench/README.md, scoring's memory): a score carries its
 * explanation as an own, enumerable accessor that builds it on the first read and then keeps it
 * as a plain value. Reading `score.explanation`, spreading the score or JSON.stringify all see
 * the same object as if it had been built at once; a table of the whole agency that never reads
 * it never holds 10,000 of them. The accessor's functions are shared by every score, so that V8
 * gives the scores one hidden class, and the builder sits under a non-enumerable symbol (not
 * copied by a spread, not in JSON).
 */
import type { Explanation } from './types';

const BUILD = Symbol('explanation.build');
type Lazy = { [BUILD]?: (() => Explanation) | undefined; explanation?: Explanation };

function settle(target: Lazy, value: Explanation): void {
  target[BUILD] = undefined;
  Object.defineProperty(target, 'explanation', { value, enumerable: true, writable: true, configurable: true });
}

function get(this: Lazy): Explanation {
  const value = this[BUILD]!();
  settle(this, value);
  return value;
}

function set(this: Lazy, value: Explanation): void {
  settle(this, value);
}

/** Gives `target` an `explanation` made by `build` when first read (or replaced when assigned). */
export function withLazyExplanation<T extends object>(target: T, build: () => Explanation): T & { explanation: Explanation } {
  Object.defineProperty(target, BUILD, { value: build, enumerable: false, writable: true, configurable: true });
  Object.defineProperty(target, 'explanation', { get, set, enumerable: true, configurable: true });
  return target as T & { explanation: Explanation };
}

/** The builder of an explanation not read yet (null when it is a plain value, or absent). */
export function pendingExplanation(score: object): (() => Explanation) | null {
  const build = (score as Lazy)[BUILD];
  return build ?? null;
}

/** The score's own fields without reading its explanation (a spread would build it). */
export function fieldsWithoutExplanation<T extends object>(score: T): Omit<T, 'explanation'> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(score)) if (k !== 'explanation') out[k] = (score as Record<string, unknown>)[k];
  return out as Omit<T, 'explanation'>;
}
