/**
 * Keeps the screen on while the kiosk is open. The browser releases the lock whenever the page is
 * hidden, so it is asked for again each time the page becomes visible. Where the API is missing
 * (older browsers, iOS home-screen apps) the kiosk works without it.
 */
export function keepScreenOn(): () => void {
  type Sentinel = { release(): Promise<void> };
  const wakeLock = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<Sentinel> } })
    .wakeLock;
  if (!wakeLock) return () => {};
  let sentinel: Sentinel | undefined;
  const request = () => {
    if (document.visibilityState !== 'visible') return;
    wakeLock.request('screen').then(
      (lock) => (sentinel = lock),
      () => {},
    );
  };
  const onVisibility = () => request();
  document.addEventListener('visibilitychange', onVisibility);
  request();
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    void sentinel?.release();
  };
}
