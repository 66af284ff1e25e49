import { InputValidationError } from './input-validation.js';

/**
 * Decodes a Relay global ID (`base64("Type:id")`, Pothos' format). A value that is not one is an
 * `InvalidInputError` naming it, so mutations answer with the typed error (REST with 400) instead of
 * an untyped "Invalid global ID" (which REST answered with 500).
 */
export function decodeGlobalId(globalID: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9+/_-]+=*$/.test(globalID)
    ? Buffer.from(globalID, 'base64').toString('utf8')
    : '';
  const colon = decoded.indexOf(':');
  if (colon < 1 || colon === decoded.length - 1 || !/^[A-Za-z]\w*$/.test(decoded.slice(0, colon))) {
    throw new MalformedIdError(globalID);
  }
  return { typename: decoded.slice(0, colon), id: decoded.slice(colon + 1) };
}

export class MalformedIdError extends InputValidationError {
  constructor(readonly ref: string) {
    super([{ message: `"${ref.length > 80 ? `${ref.slice(0, 80)}…` : ref}" is not a valid ID` }]);
  }
}
