import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';
import { onBeforeRouteLeave } from 'vue-router';

/**
 * Leaving with unsaved changes asks first (the draft also stays on the device); closing the tab gets
 * the browser's own question. Signing out (a public route) is not asked.
 */
export function useLeaveGuard(dirty: Ref<boolean>) {
  const leaving = ref(false);
  let answer: (go: boolean) => void = () => undefined;
  onBeforeRouteLeave((to) => {
    if (!dirty.value || to.meta.public) return true;
    leaving.value = true;
    return new Promise<boolean>((resolve) => (answer = resolve));
  });
  function leave(go: boolean): void {
    leaving.value = false;
    answer(go);
  }
  function onBeforeUnload(event: BeforeUnloadEvent): void {
    if (dirty.value) event.preventDefault();
  }
  onMounted(() => window.addEventListener('beforeunload', onBeforeUnload));
  onBeforeUnmount(() => window.removeEventListener('beforeunload', onBeforeUnload));
  return { leaving, leave };
}
