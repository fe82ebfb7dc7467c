import { expect } from 'chai';
import { KpiError } from '../../src/domain/errors';

/** Runs `fn`, which must throw a KpiError; returns it for further checks. */
export function fails(fn: () => unknown): KpiError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(KpiError);
    return e as KpiError;
  }
  expect.fail('expected a KpiError');
}
