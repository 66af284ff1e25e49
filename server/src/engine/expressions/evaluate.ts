import type { ExpressionAst } from './ast.js';
import { ExpressionError } from './errors.js';
import { callFunction } from './functions.js';
import { applyJmesPath } from './jmes.js';
import { arithmetic, compareValues, getSegment, jsonEqual, truthy, typeName } from './values.js';

/** Walks the AST. Missing paths yield undefined; only ExpressionError is thrown on purpose. */
export function evaluateAst(node: ExpressionAst, data: unknown): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'array':
      return node.items.map((item) => evaluateAst(item, data));
    case 'path': {
      let value = node.base ? evaluateAst(node.base, data) : data;
      for (const segment of node.segments) {
        value = getSegment(value, segment);
        if (value === undefined) return undefined;
      }
      return value;
    }
    case 'unary': {
      const operand = evaluateAst(node.operand, data);
      if (node.op === 'not') return !truthy(operand);
      if (operand === null || operand === undefined) return null;
      if (typeof operand !== 'number') {
        throw new ExpressionError('type', `cannot negate ${typeName(operand)} at ${node.pos}`, node.pos);
      }
      return -operand;
    }
    case 'binary':
      return evaluateBinary(node, data);
    case 'call':
      return callFunction(
        node.name,
        node.args.map((arg) => evaluateAst(arg, data)),
        node.pos,
      );
    case 'jmespath':
      return applyJmesPath(node.source, node.pos, evaluateAst(node.target, data));
  }
}

function evaluateBinary(node: Extract<ExpressionAst, { type: 'binary' }>, data: unknown): unknown {
  const { op } = node;
  // Short-circuit so `exists(a) and a.b > 1` never evaluates the right side needlessly.
  if (op === 'and') return truthy(evaluateAst(node.left, data)) && truthy(evaluateAst(node.right, data));
  if (op === 'or') return truthy(evaluateAst(node.left, data)) || truthy(evaluateAst(node.right, data));
  const left = evaluateAst(node.left, data);
  const right = evaluateAst(node.right, data);
  switch (op) {
    case '==':
      return jsonEqual(left, right);
    case '!=':
      return !jsonEqual(left, right);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compareValues(op, left, right);
    default:
      return arithmetic(op, left, right, node.pos);
  }
}
