import { Kind, visit, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InputValidationError } from '../graphql/input-validation.js';

// NUL has no business in any text Kinflow stores, and SQLite's tokenizer stops at it.
const FORBIDDEN = { test: (text: string) => text.includes('\u0000') };

function findInValue(value: unknown, path: string[]): string[] | undefined {
  if (typeof value === 'string') return FORBIDDEN.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findInValue(item, [...path, String(index)]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findInValue(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Yoga's parser cache hands out the same document for the same query text, so each is walked once. */
const documentFindings = new WeakMap<DocumentNode, string[] | null>();

function findInDocument(document: DocumentNode): string[] | undefined {
  const known = documentFindings.get(document);
  if (known !== undefined) return known ?? undefined;
  const found = walkDocument(document);
  documentFindings.set(document, found ?? null);
  return found;
}

function walkDocument(document: DocumentNode): string[] | undefined {
  let found: string[] | undefined;
  visit(document, {
    [Kind.ARGUMENT]: (node) => {
      visit(node.value, {
        [Kind.STRING]: (literal) => {
          if (!found && FORBIDDEN.test(literal.value)) found = [node.name.value];
        },
      });
    },
  });
  return found;
}

/** Refuses text with NUL characters anywhere in the input, naming the argument, before any resolver. */
export function inputHygienePlugin(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const path = findInValue(args.variableValues ?? {}, []) ?? findInDocument(args.document);
      if (!path) return;
      setResultAndStopExecution({
        errors: [new InputValidationError([{ path, message: 'must not contain NUL characters' }])],
      });
    },
  };
}
