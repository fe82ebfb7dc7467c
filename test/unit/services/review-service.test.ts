import { httpStatus } from '../../../src/http/errors';
import { expect } from 'chai';
import { fails } from '../../helpers/expect-kpi-error';
import type { StoredWorkItem } from '../../../src/stores';
import {
  checkEntryDay, checkItem, hasAtMostDecimals, parseExcused, parseManualInput, parseQuantity, parseRating, parseReason,
} from '../../../src/services/review-service';
import { namesUser } from '../../../src/rules/derive';

/** The pure checks behind POST/PATCH /journal and the review actions. */


const item = (o: Partial<StoredWorkItem> = {}): StoredWorkItem => ({
  code: 'CV-04', version: 1, name: 'Soạn thảo công văn', nameEn: 'Draft a letter', unit: 'văn bản', standardMinutes: 60, kind: 'count', group: 'chuyen-vien', active: true, maxQuantityPerEntry: 50, validFrom: null, ...o,
});

describe('services/review-service: checks', () => {
  describe('hasAtMostDecimals', () => {
    const cases: Array<[number, number, boolean]> = [
      [1, 2, true], [1.5, 2, true], [0.1, 2, true], [0.29, 2, true], [1.01, 2, true], [123456.78, 2, true],
      [1.001, 2, false], [0.125, 2, false], [27.555, 2, false], [1.5, 0, false], [3, 0, true],
    ];
    for (const [n, d, want] of cases) {
      it(`when ${n} is checked for at most ${d} decimals, then it is ${want}`, () => expect(hasAtMostDecimals(n, d)).to.equal(want));
    }
  });

  describe('parseQuantity', () => {
    for (const ok of [1, 0.5, 2.25, 50]) it(`when the quantity is ${ok}, then it is taken`, () => expect(parseQuantity(ok)).to.equal(ok));
    for (const bad of [0, -1, -0.01, Number.NaN, Number.POSITIVE_INFINITY, '1', null, undefined, true, [1], 0.001, 1.234]) {
      it(`when the quantity is ${JSON.stringify(bad) ?? String(bad)}, then a 400 names quantity`, () => {
        const e = fails(() => parseQuantity(bad));
        expect(httpStatus(e)).to.equal(400);
        expect(e.field).to.equal('quantity');
        expect(e.code).to.equal('invalid_quantity');
      });
    }
  });

  describe('parseManualInput', () => {
    it('when a full body is given, then every field comes back, the note trimmed and NFC', () => {
      const out = parseManualInput({ date: '2026-03-19', workItemCode: ' CV-04 ', quantity: 2, note: '  Họp '.normalize('NFD') }, { partial: false });
      expect(out).to.deep.equal({ date: '2026-03-19', workItemCode: 'CV-04', quantity: 2, note: 'Họp' });
    });

    it('when the note is empty or null, then it is stored as null', () => {
      expect(parseManualInput({ date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, note: '   ' }, { partial: false }).note).to.equal(null);
      expect(parseManualInput({ note: null }, { partial: true }).note).to.equal(null);
    });

    const table: Array<[string, unknown, boolean, string, string | undefined]> = [
      ['a required field is missing', { date: '2026-03-19', quantity: 1 }, false, 'required', 'workItemCode'],
      ['the date is not a real day', { date: '2026-02-29', workItemCode: 'CV-04', quantity: 1 }, false, 'invalid_date', 'date'],
      ['the date has a time', { date: '2026-03-19T00:00:00Z', workItemCode: 'CV-04', quantity: 1 }, false, 'invalid_date', 'date'],
      ['the code is empty', { date: '2026-03-19', workItemCode: '  ', quantity: 1 }, false, 'invalid_work_item', 'workItemCode'],
      ['the note is not a string', { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, note: 5 }, false, 'invalid_note', 'note'],
      ['the note is 1001 characters', { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, note: 'đ'.repeat(1001) }, false, 'note_too_long', 'note'],
      ['a key is unknown', { date: '2026-03-19', workItemCode: 'CV-04', quantity: 1, status: 'approved' }, false, 'unknown_field', 'status'],
      ['a patch names fromEvent', { fromEvent: 'evt-1' }, true, 'unknown_field', 'fromEvent'],
      ['a patch is empty', {}, true, 'invalid_body', undefined],
      ['the body is an array', [], false, 'invalid_body', undefined],
      ['the body is a string', 'x', true, 'invalid_body', undefined],
    ];
    for (const [what, body, partial, code, field] of table) {
      it(`when ${what}, then 400 ${code}${field ? ` naming ${field}` : ''}`, () => {
        const e = fails(() => parseManualInput(body, { partial }));
        expect(httpStatus(e)).to.equal(400);
        expect(e.code).to.equal(code);
        expect(e.field).to.equal(field);
      });
    }

    it('when a note of exactly 1000 composed characters is sent decomposed, then it is accepted (the limit counts NFC)', () => {
      const note = 'ệ'.repeat(1000);
      expect(note.normalize('NFD').length).to.be.greaterThan(1000);
      expect(parseManualInput({ note: note.normalize('NFD') }, { partial: true }).note).to.equal(note);
    });
  });

  describe('checkItem', () => {
    const catalogue = [item(), item({ code: 'CH-07', active: false }), item({ code: 'CH-08', kind: 'rated', maxQuantityPerEntry: 1, standardMinutes: 480 })];
    it('when the item is active and the quantity within its maximum, then it is returned', () => {
      expect(checkItem(catalogue, 'CV-04', 50).code).to.equal('CV-04');
      expect(checkItem(catalogue, 'CH-08', 1).kind).to.equal('rated');
    });
    it('when the code is unknown, then 400 unknown_work_item', () => expect(fails(() => checkItem(catalogue, 'cv-04', 1)).code).to.equal('unknown_work_item'));
    it('when the item is inactive, then 400 inactive_work_item', () => expect(fails(() => checkItem(catalogue, 'CH-07', 1)).code).to.equal('inactive_work_item'));
    it('when the quantity passes the maximum, then 400 names quantity', () => {
      const e = fails(() => checkItem(catalogue, 'CV-04', 50.01));
      expect([e.code, e.field]).to.deep.equal(['quantity_over_max', 'quantity']);
    });
  });

  describe('checkEntryDay', () => {
    it('when the day is today or up to 60 days back, then it passes', () => {
      for (const d of ['2026-03-20', '2026-03-01', '2026-01-19']) expect(() => checkEntryDay(d, '2026-03-20', 60)).to.not.throw();
    });
    it('when the day is tomorrow, then date_in_future', () => expect(fails(() => checkEntryDay('2026-03-21', '2026-03-20', 60)).code).to.equal('date_in_future'));
    it('when the day is 61 days back, then date_too_old', () => expect(fails(() => checkEntryDay('2026-01-18', '2026-03-20', 60)).code).to.equal('date_too_old'));
    it('when the window crosses a leap day, then it counts calendar days', () => {
      expect(() => checkEntryDay('2028-01-01', '2028-03-01', 60)).to.not.throw();
      expect(fails(() => checkEntryDay('2027-12-31', '2028-03-01', 60)).code).to.equal('date_too_old');
    });
  });

  describe('review bodies', () => {
    it('when a reason is given, then it is trimmed NFC; missing, blank or too long is 400 naming reason', () => {
      expect(parseReason({ reason: ' Sai số liệu '.normalize('NFD') })).to.equal('Sai số liệu');
      for (const body of [undefined, {}, { reason: '' }, { reason: ' ' }, { reason: 3 }, { reason: 'x'.repeat(1001) }]) {
        expect(fails(() => parseReason(body)).field).to.equal('reason');
      }
    });
    it('when a rating is in [0, 1], then it is taken; anything else is 400 naming rating', () => {
      for (const r of [0, 0.5, 1]) expect(parseRating({ rating: r })).to.equal(r);
      for (const r of [-0.01, 1.01, '1', null, Number.NaN]) expect(fails(() => parseRating({ rating: r })).field).to.equal('rating');
      expect(fails(() => parseRating(undefined)).field).to.equal('rating');
    });
    it('when excused is left out it is false; a non-boolean is 400 naming excused', () => {
      expect(parseExcused(undefined)).to.equal(false);
      expect(parseExcused({})).to.equal(false);
      expect(parseExcused({ excused: true })).to.equal(true);
      expect(fails(() => parseExcused({ excused: 1 })).field).to.equal('excused');
    });
  });

  describe('namesUser', () => {
    it('when the user is the actor, the data.userId, the assignee or one of the assignees, then true', () => {
      expect(namesUser({ actor: { id: 'u-1' } }, 'u-1')).to.equal(true);
      expect(namesUser({ actor: { id: 'x' }, data: { userId: 'u-1' } }, 'u-1')).to.equal(true);
      expect(namesUser({ actor: { id: 'x' }, data: { assigneeId: 'u-1' } }, 'u-1')).to.equal(true);
      expect(namesUser({ actor: { id: 'x' }, data: { assignees: [{ userId: 'u-2' }, { userId: 'u-1' }] } }, 'u-1')).to.equal(true);
    });
    it('when the user only appears elsewhere (a title, a prefix of another id), then false', () => {
      expect(namesUser({ actor: { id: 'u-10' }, data: { note: 'u-1' } }, 'u-1')).to.equal(false);
      expect(namesUser({ actor: { id: 'x' } }, 'u-1')).to.equal(false);
    });
  });
});
