import { useClientHandle } from '@urql/vue';
import { ref } from 'vue';
import { AlertCountsQuery, type AlertCounts } from './operations';

/** The open-alert counts behind the badges; refreshed when an alert is raised or acknowledged. */
export const alertCounts = ref<AlertCounts | null>(null);

export function useAlertCounts() {
  const { client } = useClientHandle();
  /** Resolves whether the server answered (false for an ended session, or no network). */
  async function refresh(): Promise<boolean> {
    const result = await client.query(AlertCountsQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (result.data) {
      alertCounts.value = result.data.unacknowledgedAlertCounts;
      // The installed app's icon shows how many alerts are open, where the platform supports it.
      const nav = navigator as Navigator & {
        setAppBadge?: (n?: number) => Promise<void>;
        clearAppBadge?: () => Promise<void>;
      };
      const total = alertCounts.value.total;
      if (total > 0) void nav.setAppBadge?.(total).catch(() => undefined);
      else void nav.clearAppBadge?.().catch(() => undefined);
    }
    return !!result.data;
  }
  return { refresh };
}
