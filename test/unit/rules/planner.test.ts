import { expect } from 'chai';
import { DEFAULT_CATALOGUE, cloneCatalogue, type WorkItem } from '../../../src/rules/catalogue';
import { DEFAULT_RULES, KNOWN_EVENT_TYPES, cloneRules, type MappingRule } from '../../../src/rules/mapping';
import { getPath, matchRule, planEvent, type EventEffects, type PlannerContext, type PlannerEvent } from '../../../src/rules/planner';

const AT = '2026-03-12T09:15:00+07:00';
const DUE = '2026-03-14T17:00:00+07:00';

function buildEvent(overrides: Partial<Omit<PlannerEvent, 'subject'>> & { subject?: Partial<PlannerEvent['subject']> } = {}): PlannerEvent {
  const { subject, ...rest } = overrides;
  return {
    id: 'evt-1',
    type: 'document.processed',
    occurredAt: AT,
    agency: 'ubnd-hac-thanh',
    actor: { id: 'u-1001' },
    data: {},
    ...rest,
    subject: { kind: 'document', id: 'VB-2026-000123', title: 'Công văn về việc báo cáo tháng 3', ...subject },
  };
}

function ctx(overrides: Partial<PlannerContext> = {}): PlannerContext {
  return { rules: DEFAULT_RULES, catalogue: DEFAULT_CATALOGUE, ...overrides };
}

function noEffects(extra: Partial<EventEffects> = {}): EventEffects {
  return { entries: [], assignments: [], marks: [], directory: [], ...extra };
}

function entry(workItemCode: string, ruleId: string, coefficient = 1, quantity = 1, userId = 'u-1001'): EventEffects['entries'][number] {
  return { userId, workItemCode, quantity, coefficient, ruleId };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('rules/planner', () => {
  describe('planEvent — every event type of docs/integrators.md (events) with the default rules', () => {
    const cases: Array<{ name: string; event: PlannerEvent; context?: PlannerContext; expected: EventEffects }> = [
      {
        name: 'document.received',
        event: buildEvent({ type: 'document.received', subject: { urgency: 'hoa-toc' } }),
        expected: noEffects({ entries: [entry('VT-01', 'doc-received')] }),
      },
      ...(
        [
          ['as main, ordinary urgency', 'thuong', 'main', 'CV-01', 1],
          ['as main, hỏa tốc', 'hoa-toc', 'main', 'CV-01', 1.5],
          ['as support, khẩn', 'khan', 'support', 'CV-02', 1.2],
          ['for information', 'hoa-toc', 'info', 'CV-03', 1],
        ] as const
      ).map(([what, urgency, role, code, coefficient]) => ({
        name: `document.processed ${what}`,
        event: buildEvent({ type: 'document.processed', subject: { urgency }, data: { role } }),
        expected: noEffects({ entries: [entry(code, `doc-processed-${role}`, coefficient)] }),
      })),
      {
        name: 'document.processed with a role no rule knows',
        event: buildEvent({ type: 'document.processed', data: { role: 'observer' } }),
        expected: noEffects({ noEntryReason: 'no_matching_rule' }),
      },
      ...(
        [
          ['cong-van', 'CV-04', 'doc-drafted-cong-van'],
          ['to-trinh', 'CV-05', 'doc-drafted-to-trinh'],
          ['bao-cao', 'CV-06', 'doc-drafted-bao-cao'],
          ['quyet-dinh', 'CV-07', 'doc-drafted-quyet-dinh'],
          ['ke-hoach', 'CV-08', 'doc-drafted-ke-hoach'],
          ['thong-bao', 'CV-09', 'doc-drafted-other'],
        ] as const
      ).map(([docType, code, ruleId]) => ({
        name: `document.drafted of a ${docType}`,
        event: buildEvent({ type: 'document.drafted', subject: { docType, urgency: 'thuong' } }),
        expected: noEffects({ entries: [entry(code, ruleId)] }),
      })),
      {
        name: 'document.drafted without a docType',
        event: buildEvent({ type: 'document.drafted' }),
        expected: noEffects({ entries: [entry('CV-09', 'doc-drafted-other')] }),
      },
      {
        name: 'document.drafted of a tờ trình, thượng khẩn, by a co-drafter (urgency × role)',
        event: buildEvent({ type: 'document.drafted', subject: { docType: 'to-trinh', urgency: 'thuong-khan' }, data: { role: 'support' } }),
        expected: noEffects({ entries: [entry('CV-05', 'doc-drafted-to-trinh', 0.65)] }),
      },
      {
        name: 'document.drafted of a quyết định, khẩn, by the main drafter',
        event: buildEvent({ type: 'document.drafted', subject: { docType: 'quyet-dinh', urgency: 'khan' }, data: { role: 'main' } }),
        expected: noEffects({ entries: [entry('CV-07', 'doc-drafted-quyet-dinh', 1.2)] }),
      },
      {
        name: 'document.signed',
        event: buildEvent({ type: 'document.signed', actor: { id: 'u-lead' } }),
        expected: noEffects({ entries: [entry('LD-01', 'doc-signed', 1, 1, 'u-lead')] }),
      },
      {
        name: 'document.issued',
        event: buildEvent({ type: 'document.issued', actor: { id: 'u-vt' } }),
        expected: noEffects({ entries: [entry('VT-03', 'doc-issued', 1, 1, 'u-vt')] }),
      },
      {
        name: 'document.assigned to a main, a support and an info assignee',
        event: buildEvent({
          type: 'document.assigned',
          actor: { id: 'u-lead' },
          subject: { dueAt: DUE },
          data: { assignees: [{ userId: 'u-1', role: 'main' }, { userId: 'u-2', role: 'support' }, { userId: 'u-3', role: 'info' }] },
        }),
        expected: noEffects({
          assignments: [
            { op: 'upsert', userId: 'u-1', role: 'main', dueAt: DUE, workItemCode: null, quantity: null },
            { op: 'upsert', userId: 'u-2', role: 'support', dueAt: DUE, workItemCode: null, quantity: null },
            { op: 'upsert', userId: 'u-3', role: 'info', dueAt: DUE, workItemCode: null, quantity: null },
          ],
        }),
      },
      {
        name: 'document.assigned without a due time',
        event: buildEvent({ type: 'document.assigned', data: { assignees: [{ userId: 'u-1', role: 'main' }] } }),
        expected: noEffects({ assignments: [{ op: 'upsert', userId: 'u-1', role: 'main', dueAt: null, workItemCode: null, quantity: null }] }),
      },
      {
        name: 'document.returned, not excused',
        event: buildEvent({ type: 'document.returned', actor: { id: 'u-lead' }, data: { userId: 'u-1', excused: false } }),
        expected: noEffects({ marks: [{ kind: 'fail', userId: 'u-1', excused: false, at: AT }] }),
      },
      {
        name: 'document.returned, excused',
        event: buildEvent({ type: 'document.returned', data: { userId: 'u-1', excused: true } }),
        expected: noEffects({ marks: [{ kind: 'fail', userId: 'u-1', excused: true, at: AT }] }),
      },
      {
        name: 'task.assigned with a work item and quantity',
        event: buildEvent({
          type: 'task.assigned',
          subject: { kind: 'task', id: 'NV-1', dueAt: DUE },
          data: { assigneeId: 'u-1', workItemCode: 'CV-12', quantity: 3 },
        }),
        expected: noEffects({ assignments: [{ op: 'upsert', userId: 'u-1', role: 'main', dueAt: DUE, workItemCode: 'CV-12', quantity: 3 }] }),
      },
      {
        name: 'task.assigned without a work item',
        event: buildEvent({ type: 'task.assigned', subject: { kind: 'task', id: 'NV-1', dueAt: DUE }, data: { assigneeId: 'u-1' } }),
        expected: noEffects({ assignments: [{ op: 'upsert', userId: 'u-1', role: 'main', dueAt: DUE, workItemCode: null, quantity: null }] }),
      },
      {
        name: 'task.completed with no stored assignment',
        event: buildEvent({ type: 'task.completed', subject: { kind: 'task', id: 'NV-1' } }),
        expected: noEffects({
          entries: [entry('CV-16', 'task-completed')],
          marks: [{ kind: 'completion', userId: 'u-1001', excused: false, at: AT }],
        }),
      },
      {
        name: 'task.completed of an assignment with a work item and quantity, hỏa tốc',
        event: buildEvent({ type: 'task.completed', subject: { kind: 'task', id: 'NV-1', urgency: 'hoa-toc' } }),
        context: ctx({ assignment: { workItemCode: 'CV-12', quantity: 3 } }),
        expected: noEffects({
          entries: [entry('CV-12', 'task-completed', 1.5, 3)],
          marks: [{ kind: 'completion', userId: 'u-1001', excused: false, at: AT }],
        }),
      },
      {
        name: 'task.extended for one assignee, not excused',
        event: buildEvent({ type: 'task.extended', data: { userId: 'u-1', newDueAt: '2026-03-20T17:00:00+07:00', excused: false } }),
        expected: noEffects({ marks: [{ kind: 'extension', userId: 'u-1', excused: false, newDueAt: '2026-03-20T17:00:00+07:00', at: AT }] }),
      },
      {
        name: 'task.extended for every assignee, excused',
        event: buildEvent({ type: 'task.extended', data: { newDueAt: '2026-03-20T17:00:00+07:00', excused: true } }),
        expected: noEffects({ marks: [{ kind: 'extension', userId: null, excused: true, newDueAt: '2026-03-20T17:00:00+07:00', at: AT }] }),
      },
      {
        name: 'task.rejected for one assignee',
        event: buildEvent({ type: 'task.rejected', data: { userId: 'u-1', excused: false } }),
        expected: noEffects({ marks: [{ kind: 'fail', userId: 'u-1', excused: false, at: AT }] }),
      },
      {
        name: 'task.rejected for every assignee, excused',
        event: buildEvent({ type: 'task.rejected', data: { excused: true } }),
        expected: noEffects({ marks: [{ kind: 'fail', userId: null, excused: true, at: AT }] }),
      },
      {
        name: 'task.cancelled for one assignee',
        event: buildEvent({ type: 'task.cancelled', data: { userId: 'u-1' } }),
        expected: noEffects({ assignments: [{ op: 'cancel', userId: 'u-1' }] }),
      },
      {
        name: 'task.cancelled for the whole task',
        event: buildEvent({ type: 'task.cancelled' }),
        expected: noEffects({ assignments: [{ op: 'cancel', userId: null }] }),
      },
      {
        name: 'user.upserted',
        event: buildEvent({
          type: 'user.upserted',
          subject: { kind: 'user', id: 'u-1001' },
          data: { name: 'Nguyễn Thị Hương', unitId: 'p-vp', position: 'Chuyên viên', isLeader: false, active: true },
        }),
        expected: noEffects({
          directory: [{ kind: 'user', id: 'u-1001', name: 'Nguyễn Thị Hương', unitId: 'p-vp', position: 'Chuyên viên', isLeader: false, active: true }],
        }),
      },
      {
        name: 'user.upserted of an inactive leader without a unit',
        event: buildEvent({ type: 'user.upserted', subject: { kind: 'user', id: 'u-9' }, data: { name: 'Trần Văn Đức', isLeader: true, active: false } }),
        expected: noEffects({
          directory: [{ kind: 'user', id: 'u-9', name: 'Trần Văn Đức', unitId: null, position: null, isLeader: true, active: false }],
        }),
      },
      {
        name: 'unit.upserted',
        event: buildEvent({ type: 'unit.upserted', subject: { kind: 'unit', id: 'p-vp' }, data: { name: 'Văn phòng', parentId: 'ubnd' } }),
        expected: noEffects({ directory: [{ kind: 'unit', id: 'p-vp', name: 'Văn phòng', parentId: 'ubnd' }] }),
      },
      {
        name: 'an unknown type',
        event: buildEvent({ type: 'meeting.held', data: { role: 'main' } }),
        expected: noEffects({ noEntryReason: 'unknown_type' }),
      },
    ];

    it('when the table is read, then it covers every known event type', () => {
      const covered = new Set(cases.map((c) => c.event.type));
      for (const type of KNOWN_EVENT_TYPES) expect(covered.has(type), type).to.equal(true);
    });

    for (const c of cases) {
      it(`when ${c.name} arrives, then the effects are as the contract says`, () => {
        expect(planEvent(c.event, c.context ?? ctx())).to.deep.equal(c.expected);
      });
    }
  });

  describe('planEvent — task.completed and the stored assignment', () => {
    const completed = buildEvent({ type: 'task.completed', subject: { kind: 'task', id: 'NV-7' } });
    const table: Array<{ name: string; assignment?: PlannerContext['assignment']; data?: Record<string, unknown>; catalogue?: WorkItem[]; code: string; quantity: number }> = [
      { name: 'an assignment without a work item but with a quantity', assignment: { workItemCode: null, quantity: 2 }, code: 'CV-16', quantity: 2 },
      { name: 'an assignment with a work item and no quantity', assignment: { workItemCode: 'CV-13', quantity: null }, code: 'CV-13', quantity: 1 },
      { name: 'an assignment whose work item is not in the catalogue', assignment: { workItemCode: 'ZZ-99', quantity: 4 }, code: 'CV-16', quantity: 1 },
      {
        name: 'an assignment whose work item was deactivated',
        assignment: { workItemCode: 'CV-12', quantity: 4 },
        catalogue: cloneCatalogue().map((i) => (i.code === 'CV-12' ? { ...i, active: false } : i)),
        code: 'CV-16',
        quantity: 1,
      },
      {
        name: 'an assignment with an active item while the default item is inactive',
        assignment: { workItemCode: 'CV-12', quantity: 2 },
        catalogue: cloneCatalogue().map((i) => (i.code === 'CV-16' ? { ...i, active: false } : i)),
        code: 'CV-12',
        quantity: 2,
      },
      { name: 'no assignment but the event names the item and quantity', data: { workItemCode: 'CV-13', quantity: 5 }, code: 'CV-13', quantity: 5 },
      {
        name: 'an assignment and an event that disagree (the assignment wins)',
        assignment: { workItemCode: 'CV-12', quantity: 2 },
        data: { workItemCode: 'CV-13', quantity: 5 },
        code: 'CV-12',
        quantity: 2,
      },
      { name: 'an assigned quantity above the item cap', assignment: { workItemCode: 'CV-12', quantity: 50 }, code: 'CV-12', quantity: 20 },
    ];
    for (const t of table) {
      it(`when a task completes with ${t.name}, then the entry is ${t.quantity} × ${t.code}`, () => {
        const event = { ...completed, data: t.data ?? {} };
        const effects = planEvent(event, ctx({ ...(t.assignment === undefined ? {} : { assignment: t.assignment }), ...(t.catalogue === undefined ? {} : { catalogue: t.catalogue }) }));
        expect(effects.entries).to.deep.equal([entry(t.code, 'task-completed', 1, t.quantity)]);
        expect(effects.marks).to.deep.equal([{ kind: 'completion', userId: 'u-1001', excused: false, at: AT }]);
        expect(effects).not.to.have.property('noEntryReason');
      });
    }

    it('when no rule covers task.completed, then the completion mark is still made and the reason is given', () => {
      const rules = cloneRules().filter((r) => r.eventType !== 'task.completed');
      const effects = planEvent(completed, ctx({ rules, assignment: { workItemCode: 'CV-12', quantity: 1 } }));
      expect(effects).to.deep.equal(
        noEffects({ marks: [{ kind: 'completion', userId: 'u-1001', excused: false, at: AT }], noEntryReason: 'no_matching_rule' }),
      );
    });
  });

  describe('planEvent — priorities, inactive rules and items, quantities, coefficients', () => {
    const signed = buildEvent({ type: 'document.signed', subject: { docType: 'quyet-dinh', urgency: 'khan' }, data: { pages: 3 } });
    const r = (o: Partial<MappingRule>): MappingRule => ({ id: 'r', eventType: 'document.signed', workItemCode: 'LD-01', priority: 100, active: true, ...o });

    it('when two rules match, then the one with the lower priority wins whatever the list order', () => {
      const rules = [r({ id: 'late', priority: 50, workItemCode: 'LD-03' }), r({ id: 'early', priority: 5 })];
      expect(planEvent(signed, ctx({ rules })).entries).to.deep.equal([entry('LD-01', 'early')]);
    });

    it('when two matching rules share a priority, then the first in the list wins', () => {
      const rules = [r({ id: 'first', workItemCode: 'LD-03' }), r({ id: 'second' })];
      expect(planEvent(signed, ctx({ rules })).entries).to.deep.equal([entry('LD-03', 'first')]);
    });

    it('when a more specific rule does not match, then a later rule is used', () => {
      const rules = [r({ id: 'qd', priority: 1, when: { 'subject.docType': ['to-trinh', 'cong-van'] }, workItemCode: 'LD-03' }), r({ id: 'any' })];
      expect(planEvent(signed, ctx({ rules })).entries).to.deep.equal([entry('LD-01', 'any')]);
    });

    it('when every condition of a rule holds, including a boolean, then it matches; when one fails, it does not', () => {
      const rules = [r({ id: 'both', priority: 1, when: { 'subject.docType': 'quyet-dinh', 'data.confidential': true }, workItemCode: 'LD-03' }), r({ id: 'any' })];
      const yes = buildEvent({ ...signed, data: { confidential: true } });
      const no = buildEvent({ ...signed, data: { confidential: 'true' } });
      expect(planEvent(yes, ctx({ rules })).entries[0]?.ruleId).to.equal('both');
      expect(planEvent(no, ctx({ rules })).entries[0]?.ruleId).to.equal('any');
    });

    it('when the event value is a list, then a rule matches if any element matches', () => {
      const rules = [r({ id: 'tagged', when: { 'data.tags': 'mat' } })];
      expect(planEvent(buildEvent({ ...signed, data: { tags: ['khan', 'mat'] } }), ctx({ rules })).entries).to.have.length(1);
      expect(planEvent(buildEvent({ ...signed, data: { tags: ['khan'] } }), ctx({ rules })).noEntryReason).to.equal('no_matching_rule');
    });

    it('when the best rule is inactive, then it is skipped for the next one', () => {
      const rules = [r({ id: 'off', priority: 1, active: false, workItemCode: 'LD-03' }), r({ id: 'on', priority: 2 })];
      expect(planEvent(signed, ctx({ rules })).entries).to.deep.equal([entry('LD-01', 'on')]);
    });

    it('when the only matching rule is inactive, then no entry is made with reason inactive_rule', () => {
      const effects = planEvent(signed, ctx({ rules: [r({ active: false })] }));
      expect(effects).to.deep.equal(noEffects({ noEntryReason: 'inactive_rule' }));
    });

    it('when the best rule points at an inactive item, then it is skipped for the next one', () => {
      const catalogue = cloneCatalogue().map((i) => (i.code === 'LD-03' ? { ...i, active: false } : i));
      const rules = [r({ id: 'dead-item', priority: 1, workItemCode: 'LD-03' }), r({ id: 'live', priority: 2 })];
      expect(planEvent(signed, ctx({ rules, catalogue })).entries).to.deep.equal([entry('LD-01', 'live')]);
    });

    it('when the only matching rule points at an inactive item, then no entry is made with reason inactive_item', () => {
      const catalogue = cloneCatalogue().map((i) => (i.code === 'LD-01' ? { ...i, active: false } : i));
      expect(planEvent(signed, ctx({ catalogue }))).to.deep.equal(noEffects({ noEntryReason: 'inactive_item' }));
    });

    it('when the only matching rule points at an item missing from the catalogue, then the reason is unknown_item', () => {
      expect(planEvent(signed, ctx({ rules: [r({ workItemCode: 'ZZ-1' })] })).noEntryReason).to.equal('unknown_item');
    });

    it('when a rule has a coefficient and coefficient tables, then they multiply', () => {
      const rules = [r({ coefficient: 2, coefficientBy: { 'subject.urgency': { khan: 1.2 }, 'subject.docType': { 'quyet-dinh': 1.5 } } })];
      expect(planEvent(signed, ctx({ rules })).entries[0]?.coefficient).to.equal(3.6);
    });

    it('when the event value is missing or not in a coefficient table, then it multiplies by 1', () => {
      const rules = [r({ coefficient: 2, coefficientBy: { 'subject.urgency': { 'hoa-toc': 1.5 }, 'data.missing': { x: 9 } } })];
      expect(planEvent(signed, ctx({ rules })).entries[0]?.coefficient).to.equal(2);
    });

    const quantities: Array<[string, MappingRule['quantity'], Record<string, unknown>, number | 'invalid_quantity']> = [
      ['a fixed quantity', 4, {}, 4],
      ['a path to a number', { path: 'data.pages' }, { pages: 3 }, 3],
      ['a path to a numeric string', { path: 'data.pages' }, { pages: '7' }, 7],
      ['a path to a missing value', { path: 'data.pages' }, {}, 1],
      ['a path to a negative number', { path: 'data.pages' }, { pages: -2 }, 'invalid_quantity'],
      ['a path to text', { path: 'data.pages' }, { pages: 'ba' }, 'invalid_quantity'],
      ['a path to a number above the item cap (LD-01 caps at 200)', { path: 'data.pages' }, { pages: 1000 }, 200],
    ];
    for (const [name, quantity, data, expected] of quantities) {
      it(`when the rule's quantity is ${name}, then ${typeof expected === 'number' ? `the entry's quantity is ${expected}` : 'no entry is made'}`, () => {
        const rules = [r(quantity === undefined ? {} : { quantity })];
        const effects = planEvent(buildEvent({ ...signed, data }), ctx({ rules }));
        if (typeof expected === 'number') {
          expect(effects.entries.map((e) => e.quantity)).to.deep.equal([expected]);
        } else {
          expect(effects).to.deep.equal(noEffects({ noEntryReason: expected }));
        }
      });
    }

    it('when the inputs are frozen, then planning neither mutates nor throws and gives the same result twice', () => {
      const event = deepFreeze(buildEvent({ type: 'document.drafted', subject: { docType: 'to-trinh', urgency: 'khan' }, data: { role: 'main' } }));
      const context = deepFreeze(ctx({ rules: cloneRules().reverse(), catalogue: cloneCatalogue(), assignment: { workItemCode: null, quantity: null } }));
      const first = planEvent(event, context);
      expect(first).to.deep.equal(noEffects({ entries: [entry('CV-05', 'doc-drafted-to-trinh', 1.2)] }));
      expect(planEvent(event, context)).to.deep.equal(first);
    });
  });

  describe('matchRule', () => {
    it('when a document is processed as main, then it returns the rule and the item', () => {
      const m = matchRule(buildEvent({ data: { role: 'main' } }), DEFAULT_RULES, DEFAULT_CATALOGUE);
      expect(m.matched).to.equal(true);
      if (m.matched) {
        expect(m.rule.id).to.equal('doc-processed-main');
        expect(m.item.code).to.equal('CV-01');
      }
    });

    it('when the event type is unknown, then the reason is unknown_type; when it is known but makes no entry, no_matching_rule', () => {
      expect(matchRule(buildEvent({ type: 'x.y' }), DEFAULT_RULES, DEFAULT_CATALOGUE)).to.deep.equal({ matched: false, reason: 'unknown_type' });
      expect(matchRule(buildEvent({ type: 'document.assigned' }), DEFAULT_RULES, DEFAULT_CATALOGUE)).to.deep.equal({ matched: false, reason: 'no_matching_rule' });
    });

    it('when a work item is forced, then the rule is chosen as usual but the forced item is returned', () => {
      const m = matchRule(buildEvent({ type: 'task.completed' }), DEFAULT_RULES, DEFAULT_CATALOGUE, { workItemCode: 'CH-03' });
      expect(m.matched && [m.rule.id, m.item.code]).to.deep.equal(['task-completed', 'CH-03']);
    });
  });

  describe('getPath', () => {
    const obj = { subject: { docType: 'to-trinh', n: 0 }, data: { assignees: [{ userId: 'u-1' }], flag: false, nothing: null } };
    const table: Array<[string, unknown]> = [
      ['subject.docType', 'to-trinh'],
      ['subject.n', 0],
      ['data.flag', false],
      ['data.nothing', null],
      ['data.assignees.0.userId', 'u-1'],
      ['data.assignees.1.userId', undefined],
      ['subject.docType.length', undefined],
      ['subject.missing.deeper', undefined],
      ['subject.toString', undefined],
      ['data.__proto__', undefined],
      ['', undefined],
    ];
    for (const [path, expected] of table) {
      it(`when the path is "${path}", then the value is ${JSON.stringify(expected) ?? 'undefined'}`, () => {
        expect(getPath(obj, path)).to.deep.equal(expected);
      });
    }

    it('when parsed JSON carries an own "__proto__" key, then the path is not followed through it', () => {
      const parsed: unknown = JSON.parse('{"data":{"__proto__":{"x":1},"constructor":{"y":2}}}');
      expect(getPath(parsed, 'data.__proto__.x')).to.equal(undefined);
      expect(getPath(parsed, 'data.constructor.y')).to.equal(undefined);
    });

    it('when the object is not an object, then the value is undefined', () => {
      expect(getPath(null, 'a')).to.equal(undefined);
      expect(getPath('text', 'length')).to.equal(undefined);
    });
  });
});
