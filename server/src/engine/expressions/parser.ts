import type { BinaryOp, ExpressionAst, PathSegment } from './ast.js';
import { walkAst } from './ast.js';
import { ExpressionError, describeToken } from './errors.js';
import { arityProblem, FUNCTION_NAMES, isFunctionName } from './functions.js';
import { compileJmesPath, scanJmesPath } from './jmes.js';
import { findTemplateClose, lex, skipSpace, type Token } from './lexer.js';
import { closest } from './suggest.js';

export const MAX_SOURCE_LENGTH = 4000;
export const MAX_NESTING = 64;

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', 'null']);

class Parser {
  private tok: Token;
  private depth = 0;

  constructor(private readonly src: string) {
    this.tok = lex(src, 0);
  }

  parse(): ExpressionAst {
    const node = this.parseOr();
    if (this.tok.type !== 'eof') throw this.unexpected();
    return node;
  }

  private advance(segment = false): void {
    this.tok = lex(this.src, this.tok.end, segment);
  }

  private isOp(value: string): boolean {
    return this.tok.type === 'op' && this.tok.value === value;
  }

  private isWord(value: string): boolean {
    return this.tok.type === 'ident' && this.tok.value === value;
  }

  private unexpected(): ExpressionError {
    const { start, end } = this.tok;
    return new ExpressionError(
      'parse',
      `unexpected ${describeToken(this.src.slice(start, end))} at ${start}`,
      start,
    );
  }

  private expectOp(value: string): void {
    if (!this.isOp(value)) throw this.unexpected();
    this.advance();
  }

  /** Every construct that recurses passes through here, so hostile input cannot exhaust the stack. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) {
      const at = this.tok.start;
      throw new ExpressionError('parse', `nesting deeper than ${MAX_NESTING} at ${at}`, at);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  private binary(next: () => ExpressionAst, match: () => BinaryOp | null): ExpressionAst {
    let left = next();
    for (let op = match(); op; op = match()) {
      this.advance();
      const right = next();
      left = { type: 'binary', op, left, right, pos: left.pos };
    }
    return left;
  }

  private parseOr(): ExpressionAst {
    return this.binary(
      () => this.parseAnd(),
      () => (this.isWord('or') || this.isOp('||') ? 'or' : null),
    );
  }

  private parseAnd(): ExpressionAst {
    return this.binary(
      () => this.parseNot(),
      () => (this.isWord('and') || this.isOp('&&') ? 'and' : null),
    );
  }

  /** `not` binds looser than comparisons, as in Python: `not a == b` is `not (a == b)`. */
  private parseNot(): ExpressionAst {
    if (!this.isWord('not') && !this.isOp('!')) return this.parseComparison();
    const pos = this.tok.start;
    this.advance();
    const operand = this.nested(() => this.parseNot());
    return { type: 'unary', op: 'not', operand, pos };
  }

  private parseComparison(): ExpressionAst {
    return this.binary(
      () => this.parseAdditive(),
      () =>
        this.tok.type === 'op' && COMPARISONS.has(this.tok.value as string)
          ? (this.tok.value as BinaryOp)
          : null,
    );
  }

  private parseAdditive(): ExpressionAst {
    return this.binary(
      () => this.parseMultiplicative(),
      () => (this.isOp('+') ? '+' : this.isOp('-') ? '-' : null),
    );
  }

  private parseMultiplicative(): ExpressionAst {
    return this.binary(
      () => this.parseUnary(),
      () => (this.isOp('*') ? '*' : this.isOp('/') ? '/' : null),
    );
  }

  private parseUnary(): ExpressionAst {
    if (!this.isOp('-')) return this.parsePostfix();
    const pos = this.tok.start;
    this.advance();
    const operand = this.nested(() => this.parseUnary());
    return { type: 'unary', op: 'neg', operand, pos };
  }

  private parsePostfix(): ExpressionAst {
    let node = this.parsePrimary();
    for (;;) {
      if (this.isOp('.')) {
        this.advance(true);
        const { type, value } = this.tok;
        if (type !== 'ident' && type !== 'num') throw this.unexpected();
        node = appendSegment(node, value);
        this.advance();
      } else if (this.isOp('[')) {
        const index = this.bracketIndex(this.tok.end);
        if (index) {
          node = appendSegment(node, index.key);
          this.tok = lex(this.src, index.end);
          continue;
        }
        // Anything else in brackets (filters, projections, slices) is JMESPath applied to the value.
        return this.jmesTail(node, this.tok.start);
      } else if (this.isOp('|')) {
        return this.jmesTail(node, this.tok.end);
      } else {
        return node;
      }
    }
  }

  /** `["key"]`, `['key']`, `[3]` or `[-1]`; null when the brackets hold something for JMESPath. */
  private bracketIndex(from: number): { key: PathSegment; end: number } | null {
    const at = skipSpace(this.src, from);
    const ch = this.src[at];
    let key: PathSegment;
    let after: number;
    if (ch === '"' || ch === "'") {
      const token = lex(this.src, at);
      key = token.value;
      after = token.end;
    } else {
      const match = /^-?\d+/.exec(this.src.slice(at, at + 20));
      if (!match) return null;
      key = Number(match[0]);
      after = at + match[0].length;
      if (!Number.isSafeInteger(key)) return null;
    }
    after = skipSpace(this.src, after);
    return this.src[after] === ']' ? { key, end: after + 1 } : null;
  }

  private jmesTail(target: ExpressionAst, from: number): ExpressionAst {
    const { text, start, end } = scanJmesPath(this.src, from);
    if (text === '') throw new ExpressionError('parse', `expected a JMESPath expression at ${start}`, start);
    compileJmesPath(text, start);
    this.tok = lex(this.src, end);
    return { type: 'jmespath', target, source: text, pos: start };
  }

  private parsePrimary(): ExpressionAst {
    const tok = this.tok;
    const pos = tok.start;
    if (tok.type === 'num' || tok.type === 'str') {
      this.advance();
      return { type: 'literal', value: tok.value, pos };
    }
    if (tok.type === 'ident') {
      const name = tok.value as string;
      if (KEYWORDS.has(name)) {
        if (name === 'true' || name === 'false' || name === 'null') {
          this.advance();
          return { type: 'literal', value: name === 'null' ? null : name === 'true', pos };
        }
        throw this.unexpected();
      }
      this.advance();
      if (this.isOp('(')) return this.nested(() => this.parseCall(name, pos));
      return { type: 'path', base: null, segments: [name], pos };
    }
    if (this.isOp('(')) {
      this.advance();
      const inner = this.nested(() => this.parseOr());
      this.expectOp(')');
      return inner;
    }
    if (this.isOp('[')) {
      this.advance();
      const items = this.nested(() => this.parseList(']'));
      return { type: 'array', items, pos };
    }
    throw this.unexpected();
  }

  private parseCall(name: string, pos: number): ExpressionAst {
    this.advance();
    return { type: 'call', name, args: this.parseList(')'), pos };
  }

  private parseList(close: string): ExpressionAst[] {
    const items: ExpressionAst[] = [];
    if (this.isOp(close)) {
      this.advance();
      return items;
    }
    for (;;) {
      items.push(this.parseOr());
      if (this.isOp(close)) break;
      this.expectOp(',');
    }
    this.advance();
    return items;
  }
}

function appendSegment(node: ExpressionAst, segment: PathSegment): ExpressionAst {
  // `(a.b).c` is `a.b.c`; a single flat path keeps checks and referencedPaths simple.
  if (node.type === 'path') return { ...node, segments: [...node.segments, segment] };
  return { type: 'path', base: node, segments: [segment], pos: node.pos };
}

/**
 * Conditions are often written as templates (`{{ a > 1 }}`, as in the 004 seed). Blanking the braces
 * instead of slicing them off keeps every position pointing into the text the user wrote.
 */
function unwrapBraces(source: string): string {
  const open = skipSpace(source, 0);
  if (!source.startsWith('{{', open)) return source;
  const close = findTemplateClose(source, open + 2);
  if (close < 0 || skipSpace(source, close + 2) !== source.length) return source;
  return `${source.slice(0, open)}  ${source.slice(open + 2, close)}  ${source.slice(close + 2)}`;
}

/** Parses without checking function names, so the save-time checker can report every problem. */
export function parseRaw(source: string, offset = 0): ExpressionAst {
  if (typeof source !== 'string') throw new ExpressionError('parse', 'expression must be a string', 0);
  if (source.length > MAX_SOURCE_LENGTH) {
    const at = offset + MAX_SOURCE_LENGTH;
    throw new ExpressionError('parse', `expression longer than ${MAX_SOURCE_LENGTH} characters at ${at}`, at);
  }
  const padded = offset > 0 ? ' '.repeat(offset) + source : source;
  try {
    return new Parser(unwrapBraces(padded)).parse();
  } catch (error) {
    if (error instanceof ExpressionError) throw error;
    throw new ExpressionError(
      'parse',
      `cannot parse expression: ${(error as Error)?.message ?? error}`,
      offset,
    );
  }
}

/** Rejects unknown functions and wrong argument counts, which evaluation would otherwise hit late. */
export function validateCalls(ast: ExpressionAst): void {
  walkAst(ast, (node) => {
    if (node.type !== 'call') return;
    if (!isFunctionName(node.name)) {
      const hint = closest(node.name, FUNCTION_NAMES);
      const suffix = hint ? `; did you mean ${hint}()?` : '';
      throw new ExpressionError(
        'unknown_function',
        `unknown function "${node.name}" at ${node.pos}${suffix}`,
        node.pos,
      );
    }
    const problem = arityProblem(node.name, node.args.length);
    if (problem) throw new ExpressionError('type', `${problem} at ${node.pos}`, node.pos);
  });
}

export function parseExpression(source: string): ExpressionAst {
  const ast = parseRaw(source);
  validateCalls(ast);
  return ast;
}
