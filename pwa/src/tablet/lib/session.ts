import { ref } from 'vue';

const KEY = 'kinflow.tablet.token';

function read(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** The tablet's device token, kept apart from a caregiver's session on the same browser. */
export const tabletToken = ref<string | null>(read());

export function setTabletToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(KEY, token);
    else localStorage.removeItem(KEY);
  } catch {
    // Storage refused (private mode): the token lives until the page closes.
  }
  tabletToken.value = token;
}
