import { onScopeDispose, ref, type Ref } from 'vue';

/** The current time, refreshed every `intervalMs`, so relative times stay true on a screen left open. */
export function useNow(intervalMs = 60_000): Ref<number> {
  const now = ref(Date.now());
  const timer = setInterval(() => (now.value = Date.now()), intervalMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
