import { ref } from 'vue';

const TOKEN_KEY = 'kinflow.token';

// Storage can throw (private modes, quota); the app then keeps the session in memory only.
function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // see readToken
  }
}

/** The bearer token of the signed-in person, mirrored in localStorage so a reload keeps the session. */
export const token = ref<string | null>(readToken());

export function signIn(next: string): void {
  writeToken(next);
  token.value = next;
}

export function signOut(): void {
  writeToken(null);
  token.value = null;
}

/** Follows sign-in and sign-out in other tabs of the same app. */
export function watchOtherTabs(onChange: (token: string | null) => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key !== TOKEN_KEY && event.key !== null) return;
    token.value = readToken();
    onChange(token.value);
  });
}
