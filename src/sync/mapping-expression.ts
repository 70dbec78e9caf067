/**
 * The small expression language of field mapping and matching rules (DESIGN.md "Identity model"): a source path
 * into a DingTalk user record, a fallback chain, or a template. It is parsed, never evaluated as code, so a
 * binding's mapping can come from an administrator's form without giving them a way to run anything.
 *
 * Grammar (whitespace is allowed around `|`):
 *
 *     expression := option ( '|' option )*
 *     option     := path | template
 *     path       := segment ( '.' segment )*          segment: letters, digits, `_` and `-` (any script: `工号`)
 *     template   := '"' ( text | '{' path '}' )* '"'   escapes in text: \" \\ \{ \}
 *
 * A template without placeholders is a string literal. Values are text: a string (trimmed), a number or a boolean
 * in its JSON spelling; anything else, an empty string and a missing field are *missing*. A template with a missing
 * placeholder is missing as a whole, which is what lets `"{name} ({job_number})" | name` fall back.
 */

/** A dotted path into the record; a string field holding a JSON object (§4.3 `extension`) is descended into. */
export interface PathExpression {
  kind: 'path';
  segments: string[];
}

/** Text with `{path}` placeholders; adjacent text is one part and no text part is empty (the parser's canonical form). */
export interface TemplateExpression {
  kind: 'template';
  parts: TemplatePart[];
}

export type TemplatePart = { text: string } | { path: string[] };

/** The first option that is not missing; always two options or more. */
export interface FallbackExpression {
  kind: 'fallback';
  options: (PathExpression | TemplateExpression)[];
}

export type Expression = PathExpression | TemplateExpression | FallbackExpression;

export interface ExpressionError {
  /** 0-based offset into the text where the problem is. */
  offset: number;
  /** What the parser was looking for, in words (`a path or a "template"`). */
  expected: string;
  /** What it found there: a quoted character or `end of input`. */
  found: string;
  /** One line for a person: `column 12: expected a path segment after '.', found '|'`. */
  message: string;
}

export type ExpressionResult = { ok: true; expression: Expression } | { ok: false; error: ExpressionError };

const SEGMENT_CHAR = /[\p{L}\p{N}_-]/u;

/**
 * Parses mapping-expression text into its syntax tree; bad input gives an error naming the column and what was
 * expected there.
 *
 * @example
 * const parsed = parseExpression('org_email | email');
 * if (parsed.ok) evaluateExpression(parsed.expression, { email: 'li@example.com' }); // 'li@example.com'
 * parseExpression('email |'); // { ok: false, error: { message: 'column 8: expected a path or a "template" after \'|\', found end of input', … } }
 */
export function parseExpression(text: string): ExpressionResult {
  const parser = new Parser(text);
  try {
    return { ok: true, expression: parser.expression() };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { ok: false, error: error.detail };
    throw error;
  }
}

/**
 * Writes an expression back as text in the canonical spelling; `parseExpression(printExpression(e))` gives `e`.
 *
 * @example
 * printExpression({ kind: 'path', segments: ['extension', '工号'] }); // 'extension.工号'
 */
export function printExpression(expression: Expression): string {
  switch (expression.kind) {
    case 'path':
      return expression.segments.join('.');
    case 'template':
      return `"${expression.parts.map((part) => ('text' in part ? escapeText(part.text) : `{${part.path.join('.')}}`)).join('')}"`;
    case 'fallback':
      return expression.options.map(printExpression).join(' | ');
  }
}

/**
 * The expression's value for one record: trimmed text, or `null` when missing.
 *
 * @example
 * const name = parseExpression('"{name} ({job_number})" | name');
 * if (name.ok) evaluateExpression(name.expression, { name: '张三' }); // '张三' (no job number: the template is missing)
 */
export function evaluateExpression(expression: Expression, record: Readonly<Record<string, unknown>>): string | null {
  switch (expression.kind) {
    case 'path':
      return resolvePath(record, expression.segments);
    case 'template': {
      let result = '';
      for (const part of expression.parts) {
        if ('text' in part) {
          result += part.text;
          continue;
        }
        const value = resolvePath(record, part.path);
        if (value === null) return null;
        result += value;
      }
      return textOf(result);
    }
    case 'fallback':
      for (const option of expression.options) {
        const value = evaluateExpression(option, record);
        if (value !== null) return value;
      }
      return null;
  }
}

/** The paths an expression reads, for a form that shows which DingTalk fields a mapping needs. */
export function expressionPaths(expression: Expression): string[][] {
  switch (expression.kind) {
    case 'path':
      return [expression.segments];
    case 'template':
      return expression.parts.flatMap((part) => ('path' in part ? [part.path] : []));
    case 'fallback':
      return expression.options.flatMap(expressionPaths);
  }
}

function resolvePath(record: Readonly<Record<string, unknown>>, segments: readonly string[]): string | null {
  let current: unknown = record;
  for (const segment of segments) {
    if (typeof current === 'string') current = parseJsonObject(current);
    if (Array.isArray(current) && /^(0|[1-9]\d*)$/.test(segment)) {
      current = current[Number(segment)];
    } else if (isPlainObject(current) && Object.hasOwn(current, segment)) {
      // hasOwn: a segment such as `__proto__` or `constructor` must not reach the prototype.
      current = current[segment];
    } else {
      return null;
    }
  }
  if (typeof current === 'string') return textOf(current);
  if (typeof current === 'number') return Number.isFinite(current) ? String(current) : null;
  if (typeof current === 'boolean') return String(current);
  return null;
}

/** §4.3: `extension` is JSON text of custom fields. Anything that is not a JSON object is simply not descended into. */
function parseJsonObject(text: string): unknown {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function textOf(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

function escapeText(text: string): string {
  return text.replace(/[\\"{}]/g, (char) => `\\${char}`);
}

class SyntaxFailure extends Error {
  readonly detail: ExpressionError;

  constructor(detail: ExpressionError) {
    super(detail.message);
    this.detail = detail;
  }
}

/** A recursive-descent parser over code points (so `工号` is one column per character, as a person counts). */
class Parser {
  private readonly chars: string[];
  private readonly offsets: number[];
  private index = 0;

  constructor(text: string) {
    this.chars = [];
    this.offsets = [];
    let offset = 0;
    for (const char of text) {
      this.chars.push(char);
      this.offsets.push(offset);
      offset += char.length;
    }
    this.offsets.push(offset);
  }

  expression(): Expression {
    const options = [this.option('')];
    this.skipSpace();
    while (this.peek() === '|') {
      this.index++;
      options.push(this.option(" after '|'"));
      this.skipSpace();
    }
    if (this.peek() !== undefined) this.fail("'|' or end of input");
    const [first] = options;
    if (options.length === 1 && first !== undefined) return first;
    return { kind: 'fallback', options };
  }

  private option(context: string): PathExpression | TemplateExpression {
    this.skipSpace();
    const char = this.peek();
    if (char === '"') return this.template();
    if (char !== undefined && SEGMENT_CHAR.test(char)) return { kind: 'path', segments: this.path() };
    return this.fail(`a path or a "template"${context}`);
  }

  private path(): string[] {
    const segments = [this.segment('a path')];
    while (this.peek() === '.') {
      this.index++;
      segments.push(this.segment("a path segment after '.'"));
    }
    return segments;
  }

  private segment(expected: string): string {
    let segment = '';
    for (let char = this.peek(); char !== undefined && SEGMENT_CHAR.test(char); char = this.peek()) {
      segment += char;
      this.index++;
    }
    if (segment === '') this.fail(expected);
    return segment;
  }

  private template(): TemplateExpression {
    const opening = this.index;
    this.index++; // the opening quote
    const parts: TemplatePart[] = [];
    let text = '';
    for (;;) {
      const char = this.peek();
      if (char === undefined) {
        this.fail(`'"' to close the template opened at column ${opening + 1}`);
      } else if (char === '"') {
        this.index++;
        break;
      } else if (char === '\\') {
        this.index++;
        const escaped = this.peek();
        if (escaped === undefined || !'"\\{}'.includes(escaped)) this.fail('one of \\" \\\\ \\{ \\} after a backslash');
        text += escaped;
        this.index++;
      } else if (char === '{') {
        this.index++;
        this.skipSpace();
        if (text !== '') parts.push({ text });
        text = '';
        parts.push({ path: this.path() });
        this.skipSpace();
        if (this.peek() !== '}') this.fail("'}' to close the placeholder");
        this.index++;
      } else if (char === '}') {
        this.fail("text or a {placeholder} (write \\} for a literal brace)");
      } else {
        text += char;
        this.index++;
      }
    }
    if (text !== '') parts.push({ text });
    return { kind: 'template', parts };
  }

  private skipSpace(): void {
    while (this.peek() !== undefined && /\s/u.test(this.peek() ?? '')) this.index++;
  }

  private peek(): string | undefined {
    return this.chars[this.index];
  }

  private fail(expected: string): never {
    const char = this.peek();
    const found = char === undefined ? 'end of input' : `'${char}'`;
    throw new SyntaxFailure({
      offset: this.offsets[this.index] ?? 0,
      expected,
      found,
      message: `column ${this.index + 1}: expected ${expected}, found ${found}`,
    });
  }
}
