import { expect } from 'chai';
import { ValidationError } from '../../../src/domain/errors';
import { errorText, fieldLabel } from '../../../src/panels/forms';
import { checkGeneral } from '../../../src/services/assessment-service';
import { checkEntryDay, checkItem } from '../../../src/services/review-service';
import type { StoredWorkItem } from '../../../src/stores';

/** The sentence a panel shows for a refusal: the limit it broke, the field by its Vietnamese (or English) name. */
describe('panels: the words of a refusal', () => {
  const item = { code: 'CV-06', name: 'Báo cáo', unit: 'báo cáo', standardMinutes: 60, kind: 'count', active: true, maxQuantityPerEntry: 20, version: 1 } as unknown as StoredWorkItem;
  const refusal = (run: () => unknown): ValidationError => {
    try {
      run();
    } catch (e) {
      return e as ValidationError;
    }
    throw new Error('not refused');
  };

  it('when a quantity is over the item\'s maximum, then the message says the maximum and its unit', () => {
    const e = refusal(() => checkItem([item], 'CV-06', 21));
    expect(errorText('vi', e)).to.equal('Số lượng vượt mức tối đa 20 báo cáo cho một mục của đầu công việc này.');
    expect(errorText('en', e)).to.equal('The quantity is over this work item\'s maximum of 20 báo cáo per entry.');
  });

  it('when a general score is out of range or not a number, then the message says 0 to the maximum', () => {
    expect(errorText('vi', refusal(() => checkGeneral(31, 30)))).to.equal('Điểm tiêu chí chung phải là số từ 0 đến 30, tối đa 2 chữ số thập phân.');
    expect(errorText('vi', refusal(() => checkGeneral(Number.NaN, 50)))).to.contain('từ 0 đến 50');
    expect(errorText('en', refusal(() => checkGeneral(-1, 30)))).to.contain('from 0 to 30');
  });

  it('when a day is too old or in the future, then the message says how far back and from which day, or today', () => {
    expect(errorText('vi', refusal(() => checkEntryDay('2026-01-01', '2026-03-20', 60)))).to.equal('Ngày kê khai chỉ được lùi tối đa 60 ngày, từ 19/01/2026 trở đi.');
    expect(errorText('vi', refusal(() => checkEntryDay('2026-03-21', '2026-03-20', 60)))).to.equal('Ngày kê khai không được sau hôm nay (20/03/2026).');
  });

  it('when a refusal names a field, then the field is named in words, never by its code; a field no form sends is not named', () => {
    expect(errorText('vi', new ValidationError('x', 'workItemCode', 'required'))).to.equal('Thiếu thông tin bắt buộc: Đầu công việc.');
    expect(errorText('vi', new ValidationError('x', 'workItemCode', 'something_else'))).to.equal('Dữ liệu không hợp lệ: Đầu công việc.');
    expect(errorText('en', new ValidationError('x', 'proposedUserId', 'something_else'))).to.contain('Who did the work').and.not.contain('proposedUserId');
    expect(errorText('vi', new ValidationError('x', 'subject.dueAt', 'something_else'))).to.equal('Dữ liệu gửi lên không hợp lệ.');
    for (const f of ['date', 'workItemCode', 'quantity', 'note', 'reason', 'rating', 'general', 'period', 'userId', 'proposedUserId', 'proposedItemCode']) {
      const label = fieldLabel('vi', f);
      expect(label, f).to.be.a('string').and.not.equal(f);
    }
  });
});
