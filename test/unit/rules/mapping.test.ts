import { expect } from 'chai';
import { DEFAULT_CATALOGUE, cloneCatalogue } from '../../../src/rules/catalogue';
import {
  DEFAULT_RULES,
  ENTRY_EVENT_TYPES,
  cloneRules,
  isValidEventPath,
  validateRules,
  type MappingRule,
} from '../../../src/rules/mapping';

function rule(overrides: Partial<MappingRule> = {}): MappingRule {
  return { id: 'r-1', eventType: 'document.signed', workItemCode: 'LD-01', priority: 100, active: true, ...overrides };
}

function summary(rules: MappingRule[], catalogue = DEFAULT_CATALOGUE): Array<[number, string, string, string]> {
  return validateRules(rules, catalogue).map((p) => [p.index, p.field, p.problem, p.severity]);
}

describe('rules/mapping', () => {
  describe('DEFAULT_RULES', () => {
    it('when the default rules are validated against the default catalogue, then there is no problem', () => {
      expect(validateRules(DEFAULT_RULES, DEFAULT_CATALOGUE)).to.deep.equal([]);
    });

    it('when the default rules are listed, then every entry-making event type has an active rule', () => {
      for (const type of ENTRY_EVENT_TYPES) {
        expect(DEFAULT_RULES.some((r) => r.eventType === type && r.active), type).to.equal(true);
      }
    });

    it('when the drafted rules are listed, then each docType of the contract has its own item and there is a fallback', () => {
      const drafted = DEFAULT_RULES.filter((r) => r.eventType === 'document.drafted');
      for (const docType of ['cong-van', 'to-trinh', 'bao-cao', 'quyet-dinh', 'ke-hoach']) {
        const r = drafted.find((x) => JSON.stringify(x.when?.['subject.docType']).includes(`"${docType}"`));
        expect(r, docType).not.to.equal(undefined);
      }
      const fallback = drafted.filter((r) => r.when === undefined);
      expect(fallback).to.have.length(1);
      expect(fallback[0]?.priority).to.be.above(Math.max(...drafted.filter((r) => r.when !== undefined).map((r) => r.priority)));
      expect(new Set(drafted.map((r) => r.workItemCode)).size).to.equal(drafted.length);
    });

    it('when a clone is edited, then the default is unchanged', () => {
      const copy = cloneRules();
      (copy[0] as MappingRule).active = false;
      expect(DEFAULT_RULES[0]?.active).to.equal(true);
      expect(copy).to.have.length(DEFAULT_RULES.length);
    });

    it('when the catalogue drops an item a default rule uses, then that rule is reported', () => {
      const catalogue = cloneCatalogue().filter((i) => i.code !== 'VT-01');
      const problems = validateRules(DEFAULT_RULES, catalogue);
      expect(problems.map((p) => [p.ruleId, p.problem])).to.deep.equal([['doc-received', 'unknown_work_item']]);
    });
  });

  describe('validateRules', () => {
    const cases: Array<{ name: string; rules: MappingRule[]; expected: Array<[number, string, string, string]> }> = [
      { name: 'one valid rule', rules: [rule()], expected: [] },
      {
        name: 'an unknown work item',
        rules: [rule({ workItemCode: 'ZZ-99' })],
        expected: [[0, 'workItemCode', 'unknown_work_item', 'error']],
      },
      {
        name: 'a duplicate id',
        rules: [rule(), rule({ eventType: 'document.issued', workItemCode: 'VT-03' })],
        expected: [[1, 'id', 'duplicate_id', 'error']],
      },
      { name: 'an empty id', rules: [rule({ id: '' })], expected: [[0, 'id', 'bad_id', 'error']] },
      {
        name: 'an event type that makes no entry',
        rules: [rule({ eventType: 'document.assigned' }), rule({ id: 'r-2', eventType: 'meeting.held' })],
        expected: [[0, 'eventType', 'unknown_event_type', 'error'], [1, 'eventType', 'unknown_event_type', 'error']],
      },
      {
        name: 'paths that do not start at an event field or have bad segments',
        rules: [
          rule({
            when: { 'payload.role': 'main', 'data..role': 'main', 'data.__proto__': 'x' },
            quantity: { path: 'subject.' },
            coefficientBy: { urgency: { khan: 1.2 } },
          }),
        ],
        expected: [
          [0, 'when.payload.role', 'bad_path', 'error'],
          [0, 'when.data..role', 'bad_path', 'error'],
          [0, 'when.data.__proto__', 'bad_path', 'error'],
          [0, 'quantity.path', 'bad_path', 'error'],
          [0, 'coefficientBy.urgency', 'bad_path', 'error'],
        ],
      },
      {
        name: 'a condition with an empty list or an object value',
        rules: [rule({ when: { 'subject.docType': [], 'data.role': { x: 1 } as never } })],
        expected: [[0, 'when.subject.docType', 'bad_condition', 'error'], [0, 'when.data.role', 'bad_condition', 'error']],
      },
      {
        name: 'a zero quantity and a negative coefficient',
        rules: [rule({ quantity: 0, coefficient: -1 })],
        expected: [[0, 'quantity', 'bad_quantity', 'error'], [0, 'coefficient', 'bad_coefficient', 'error']],
      },
      {
        name: 'a quantity object without a path',
        rules: [rule({ quantity: { from: 'data.n' } as never })],
        expected: [[0, 'quantity', 'bad_quantity', 'error']],
      },
      {
        name: 'a coefficient table with a non-number factor',
        rules: [rule({ coefficientBy: { 'subject.urgency': { khan: '1.2' as never, thuong: 1 } } })],
        expected: [[0, 'coefficientBy.subject.urgency.khan', 'bad_coefficient', 'error']],
      },
      {
        name: 'a missing priority and a string active',
        rules: [rule({ priority: undefined as never, active: 'true' as never })],
        expected: [[0, 'priority', 'bad_priority', 'error'], [0, 'active', 'bad_active', 'error']],
      },
      {
        name: 'a rule behind an unconditional rule of the same type',
        rules: [
          rule({ id: 'catch-all', priority: 10 }),
          rule({ id: 'specific', priority: 20, when: { 'subject.docType': 'quyet-dinh' } }),
          rule({ id: 'other-type', eventType: 'document.issued', workItemCode: 'VT-03', priority: 50 }),
        ],
        expected: [[1, 'priority', 'unreachable', 'warning']],
      },
      {
        name: 'an inactive unconditional rule first',
        rules: [rule({ id: 'catch-all', priority: 10, active: false }), rule({ id: 'specific', priority: 20 })],
        expected: [],
      },
    ];
    for (const c of cases) {
      it(`when the rules have ${c.name}, then the problems are ${c.expected.map((e) => e[2]).join(', ') || 'none'}`, () => {
        expect(summary(c.rules)).to.deep.equal(c.expected);
      });
    }

    it('when a rule uses an inactive work item, then it is a warning, not an error', () => {
      const catalogue = cloneCatalogue().map((i) => (i.code === 'LD-01' ? { ...i, active: false } : i));
      expect(summary([rule()], catalogue)).to.deep.equal([[0, 'workItemCode', 'inactive_work_item', 'warning']]);
    });

    it('when the rules are not a list or a rule is not an object, then it reports instead of throwing', () => {
      expect(validateRules({} as never, DEFAULT_CATALOGUE)).to.have.length(1);
      const problems = validateRules([null as never], DEFAULT_CATALOGUE).map((p) => p.problem);
      expect(problems).to.include.members(['bad_id', 'unknown_event_type', 'unknown_work_item', 'bad_priority', 'bad_active']);
    });

    it('when problems are reported, then each names its rule and has a message', () => {
      const problems = validateRules([rule({ id: 'x', workItemCode: 'NOPE' })], DEFAULT_CATALOGUE);
      expect(problems[0]?.ruleId).to.equal('x');
      expect(problems[0]?.message).to.contain('NOPE');
    });
  });

  describe('isValidEventPath', () => {
    const table: Array<[string, boolean]> = [
      ['subject.docType', true],
      ['data.role', true],
      ['data.assignees.0.userId', true],
      ['actor.id', true],
      ['type', true],
      ['', false],
      ['docType', false],
      ['data.', false],
      ['data.a b', false],
      ['subject.constructor', false],
    ];
    for (const [path, ok] of table) {
      it(`when the path is "${path}", then it is ${ok ? 'valid' : 'invalid'}`, () => {
        expect(isValidEventPath(path)).to.equal(ok);
      });
    }
  });
});
