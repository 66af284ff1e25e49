import type * as Undici from 'undici';

// undici is wanted only once a step or channel sends a request, and loading it is a measurable share
// of a cold start: it is imported on first use.
let undici: Promise<typeof Undici> | undefined;

export const loadUndici = (): Promise<typeof Undici> => (undici ??= import('undici'));
