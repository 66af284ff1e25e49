import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids keep inserts at the end of the primary-key index, which matters for run history. */
export const newId = (): string => uuidv7();
