import { ref } from 'vue';

export interface Toast {
  id: number;
  message: string;
  tone: 'emergency' | 'warning' | 'info';
  /** Where "Open" leads, if anywhere. */
  to?: string;
}

/** App-wide toasts: one list, shown by ToastHost. Emergencies stay until dismissed. */
export const toasts = ref<Toast[]>([]);
let next = 1;

export function showToast(toast: Omit<Toast, 'id'>, timeoutMs = 8000): void {
  const id = next++;
  toasts.value = [...toasts.value, { ...toast, id }].slice(-4);
  if (toast.tone !== 'emergency') setTimeout(() => dismissToast(id), timeoutMs);
}

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((toast) => toast.id !== id);
}
