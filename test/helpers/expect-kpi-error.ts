import { expect } from 'chai';
import { validateSettings } from '../../src/contract/settings-validator';
import { KpiError, ValidationError } from '../../src/domain/errors';

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

/** The ValidationError that settings `raw` get (partial, as PUT /settings takes them, unless told otherwise). */
export function settingsError(raw: unknown, partial = true): ValidationError {
  try {
    validateSettings(raw, { partial });
  } catch (e) {
    expect(e).to.be.instanceOf(ValidationError);
    return e as ValidationError;
  }
  return expect.fail('expected a ValidationError');
}
