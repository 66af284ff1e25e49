import type { BinaryOp, ExpressionAst, PathSegment } from './ast.js';

const PRECEDENCE: Record<BinaryOp, number> = {
  or: 1,
  and: 2,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
};
const NOT = 3;
// A JMESPath tail swallows arithmetic after it, so it sits at comparison level: `a | b == 1` is safe,
// `(a | b) + 1` needs its parentheses.
const JMESPATH = 4;
const NEG = 7;
const POSTFIX = 8;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Canonical source for an AST; parsing the result gives the same AST (positions aside). */
export function printExpression(node: ExpressionAst): string {
  return print(node, 0);
}

function print(node: ExpressionAst, min: number): string {
  const [text, precedence] = printNode(node);
  return precedence < min ? `(${text})` : text;
}

function printNode(node: ExpressionAst): [string, number] {
  switch (node.type) {
    case 'literal':
      return [typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value), POSTFIX];
    case 'array':
      return [`[${node.items.map((item) => print(item, 0)).join(', ')}]`, POSTFIX];
    case 'path': {
      const [first, ...rest] = node.segments;
      const head = node.base ? `(${print(node.base, 0)})${printSegment(first)}` : String(first);
      return [head + rest.map(printSegment).join(''), POSTFIX];
    }
    case 'unary':
      return node.op === 'not'
        ? [`not ${print(node.operand, NOT)}`, NOT]
        : [`-${print(node.operand, NEG)}`, NEG];
    case 'binary': {
      const p = PRECEDENCE[node.op];
      return [`${print(node.left, p)} ${node.op} ${print(node.right, p + 1)}`, p];
    }
    case 'call':
      return [`${node.name}(${node.args.map((arg) => print(arg, 0)).join(', ')})`, POSTFIX];
    case 'jmespath':
      return [`${print(node.target, POSTFIX)} | ${node.source}`, JMESPATH];
  }
}

function printSegment(segment: PathSegment | undefined): string {
  if (typeof segment === 'number') return segment < 0 ? `[${segment}]` : `.${segment}`;
  if (segment === undefined) return '';
  return IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
}
