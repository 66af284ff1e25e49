/** Path segments: names index objects, numbers index arrays (negative numbers count from the end). */
export type PathSegment = string | number;

export type BinaryOp = 'and' | 'or' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/';

/** Every node carries `pos`, the 0-based offset of its first character in the source. */
export type ExpressionAst =
  | { type: 'literal'; value: string | number | boolean | null; pos: number }
  | { type: 'array'; items: ExpressionAst[]; pos: number }
  /** `base: null` reads from the pipeline data; otherwise from the value of `base`. */
  | { type: 'path'; base: ExpressionAst | null; segments: PathSegment[]; pos: number }
  | { type: 'unary'; op: 'not' | 'neg'; operand: ExpressionAst; pos: number }
  | { type: 'binary'; op: BinaryOp; left: ExpressionAst; right: ExpressionAst; pos: number }
  | { type: 'call'; name: string; args: ExpressionAst[]; pos: number }
  /** `target | source`; `pos` is where the JMESPath source starts. */
  | { type: 'jmespath'; target: ExpressionAst; source: string; pos: number };

export type AstOf<T extends ExpressionAst['type']> = Extract<ExpressionAst, { type: T }>;

/** Calls `visit` on every node, parents first. */
export function walkAst(node: ExpressionAst, visit: (node: ExpressionAst) => void): void {
  visit(node);
  switch (node.type) {
    case 'array':
      for (const item of node.items) walkAst(item, visit);
      break;
    case 'path':
      if (node.base) walkAst(node.base, visit);
      break;
    case 'unary':
      walkAst(node.operand, visit);
      break;
    case 'binary':
      walkAst(node.left, visit);
      walkAst(node.right, visit);
      break;
    case 'call':
      for (const arg of node.args) walkAst(arg, visit);
      break;
    case 'jmespath':
      walkAst(node.target, visit);
      break;
    case 'literal':
      break;
  }
}
