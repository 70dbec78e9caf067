import { describe, expect, it } from 'vitest';
import {
  evaluateExpression,
  expressionPaths,
  parseExpression,
  printExpression,
  type Expression,
  type PathExpression,
  type TemplateExpression,
  type TemplatePart,
} from './mapping-expression.ts';
import { seededRandom, type Random } from './random-organization.test-support.ts';

function parse(text: string): Expression {
  const result = parseExpression(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.expression;
}

const user = {
  userid: 'zhangsan',
  name: '张三',
  email: 'Zhang.San@Example.com ',
  job_number: 'E100',
  hired_date: 1597573616828,
  admin: false,
  dept_id_list: [3, 7],
  extension: '{"工号":"W42","爱好":"跑步","nested":{"level":"P7"}}',
  blank: '   ',
};

describe('parseExpression', () => {
  it('reads paths, fallback chains and templates', () => {
    expect(parse('email')).toEqual({ kind: 'path', segments: ['email'] });
    expect(parse(' extension.工号 ')).toEqual({ kind: 'path', segments: ['extension', '工号'] });
    expect(parse('org_email|email')).toEqual({
      kind: 'fallback',
      options: [
        { kind: 'path', segments: ['org_email'] },
        { kind: 'path', segments: ['email'] },
      ],
    });
    expect(parse('"{name} ({ job_number })"')).toEqual({
      kind: 'template',
      parts: [{ path: ['name'] }, { text: ' (' }, { path: ['job_number'] }, { text: ')' }],
    });
    expect(parse('"a \\"quoted\\" \\{brace\\} \\\\"')).toEqual({ kind: 'template', parts: [{ text: 'a "quoted" {brace} \\' }] });
    expect(parse('""')).toEqual({ kind: 'template', parts: [] });
  });

  it.each([
    ['', 1, 'a path or a "template"', 'end of input'],
    ['email |', 8, 'a path or a "template" after \'|\'', 'end of input'],
    ['| email', 1, 'a path or a "template"', "'|'"],
    ['org..email', 5, "a path segment after '.'", "'.'"],
    ['email.', 7, "a path segment after '.'", 'end of input'],
    ['email org_email', 7, "'|' or end of input", "'o'"],
    ['eval(process)', 5, "'|' or end of input", "'('"],
    ['"{name"', 7, "'}' to close the placeholder", "'\"'"],
    ['"{}"', 3, 'a path', "'}'"],
    ['"a}"', 3, 'text or a {placeholder}', "'}'"],
    ['"\\n"', 3, 'one of', "'n'"],
    ['"{name} (', 10, '\'"\' to close the template opened at column 1', 'end of input'],
    ['工号 |', 5, 'a path or a "template" after \'|\'', 'end of input'],
  ])('rejects %j at column %i, saying what it expected', (text, column, expected, found) => {
    const result = parseExpression(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe(`column ${column}: expected ${result.error.expected}, found ${found}`);
    expect(result.error.expected).toContain(expected);
    expect(result.error.found).toBe(found);
  });

  it('reports the offset in UTF-16 units and the column in characters', () => {
    const result = parseExpression('😀x|');
    expect(result.ok).toBe(false);
    if (!result.ok) expect([result.error.offset, result.error.message]).toEqual([0, "column 1: expected a path or a \"template\", found '😀'"]);
  });
});

describe('evaluateExpression', () => {
  it.each([
    ['name', '张三'],
    ['email', 'Zhang.San@Example.com'],
    ['org_email', null],
    ['org_email | email', 'Zhang.San@Example.com'],
    ['blank | name', '张三'],
    ['"{name} ({job_number})"', '张三 (E100)'],
    ['"{name} ({title})" | name', '张三'],
    ['"fixed"', 'fixed'],
    ['"  "', null],
    ['hired_date', '1597573616828'],
    ['admin', 'false'],
    ['dept_id_list', null],
    ['dept_id_list.1', '7'],
    ['dept_id_list.9', null],
    ['extension.工号', 'W42'],
    ['extension.nested.level', 'P7'],
    ['extension', '{"工号":"W42","爱好":"跑步","nested":{"level":"P7"}}'],
    ['extension.missing | job_number', 'E100'],
    ['name.first', null],
    ['__proto__', null],
    ['constructor.name', null],
    ['extension.__proto__', null],
  ])('%s → %j', (text, expected) => {
    expect(evaluateExpression(parse(text), user)).toBe(expected);
  });

  it('does not descend into text that is not a JSON object', () => {
    expect(evaluateExpression(parse('extension.a'), { extension: 'not json {' })).toBeNull();
    expect(evaluateExpression(parse('extension.a'), { extension: '{broken' })).toBeNull();
    expect(evaluateExpression(parse('extension.0'), { extension: '[1,2]' })).toBeNull();
  });

  it('accepts an extension already parsed into an object', () => {
    expect(evaluateExpression(parse('extension.工号'), { extension: { 工号: 'W1' } })).toBe('W1');
  });

  it('lists the paths an expression reads', () => {
    expect(expressionPaths(parse('"{name} ({extension.工号})" | userid'))).toEqual([['name'], ['extension', '工号'], ['userid']]);
  });
});

describe('printExpression', () => {
  it('writes the canonical spelling', () => {
    expect(printExpression(parse('  org_email|email '))).toBe('org_email | email');
    expect(printExpression(parse('"{ name }\\{x\\}"'))).toBe('"{name}\\{x\\}"');
  });

  it.each(Array.from({ length: 20 }, (_, i) => i + 1))('seed %i: parse(print(e)) gives e back for random expressions', (seed) => {
    const random = seededRandom(seed);
    for (let i = 0; i < 200; i++) {
      const expression = randomExpression(random);
      const printed = printExpression(expression);
      expect(parseExpression(printed), printed).toEqual({ ok: true, expression });
    }
  });

  it.each(Array.from({ length: 10 }, (_, i) => i + 1))('seed %i: random text either fails cleanly or survives a round trip', (seed) => {
    const random = seededRandom(seed * 31);
    const alphabet = ['a', 'b', '工', '.', '|', ' ', '"', '{', '}', '\\', '_', '-', '1', '(', '😀'];
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: random.int(12) }, () => random.pick(alphabet)).join('');
      const result = parseExpression(text);
      if (!result.ok) {
        expect(result.error.offset).toBeGreaterThanOrEqual(0);
        expect(result.error.offset).toBeLessThanOrEqual(text.length);
        continue;
      }
      expect(parseExpression(printExpression(result.expression))).toEqual(result);
    }
  });
});

const SEGMENT_CHARS = ['a', 'z', 'A', '0', '9', '_', '-', '工', '号', 'é'];
const TEXT_CHARS = ['a', ' ', '"', '\\', '{', '}', '(', '|', '.', '工', '😀', '\t'];

function randomPath(random: Random): string[] {
  return Array.from({ length: 1 + random.int(3) }, () => Array.from({ length: 1 + random.int(5) }, () => random.pick(SEGMENT_CHARS)).join(''));
}

function randomOption(random: Random): PathExpression | TemplateExpression {
  if (random.chance(0.5)) return { kind: 'path', segments: randomPath(random) };
  const parts: TemplatePart[] = [];
  for (let i = random.int(5); i > 0; i--) {
    const last = parts.at(-1);
    // Canonical form: no empty text and no two text parts in a row.
    if (random.chance(0.5) && (last === undefined || !('text' in last))) {
      parts.push({ text: Array.from({ length: 1 + random.int(6) }, () => random.pick(TEXT_CHARS)).join('') });
    } else {
      parts.push({ path: randomPath(random) });
    }
  }
  return { kind: 'template', parts };
}

function randomExpression(random: Random): Expression {
  const count = 1 + random.int(3);
  if (count === 1) return randomOption(random);
  return { kind: 'fallback', options: Array.from({ length: count }, () => randomOption(random)) };
}
