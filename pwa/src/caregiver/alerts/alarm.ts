import { ref } from 'vue';

const KEY = 'kinflow.alertSound';
/** Browsers only play sound after a tap, and a caregiver decides whether the phone may sound at all. */
export const alertSoundAllowed = ref(localStorage.getItem(KEY) === 'on');

let audio: AudioContext | undefined;

export function allowAlertSound(on: boolean): void {
  alertSoundAllowed.value = on;
  localStorage.setItem(KEY, on ? 'on' : 'off');
  // Created inside the tap that allowed it, so later alarms may play.
  if (on) audio ??= new AudioContext();
}

/** Three short two-tone beeps, generated: no sound file to cache. */
export function playAlarm(): void {
  audio ??= new AudioContext();
  const start = audio.currentTime;
  for (let i = 0; i < 3; i++) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = i % 2 ? 660 : 880;
    gain.gain.setValueAtTime(0.25, start + i * 0.35);
    gain.gain.exponentialRampToValueAtTime(0.001, start + i * 0.35 + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(start + i * 0.35);
    osc.stop(start + i * 0.35 + 0.3);
  }
}
