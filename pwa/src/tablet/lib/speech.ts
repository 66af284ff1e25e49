export interface Voice {
  locale: string;
  voiceName: string | null;
  rate: number;
}

/** Chrome stops long utterances after about 15 s, so text is spoken in sentence-sized chunks. */
export function chunks(text: string, max = 160): string[] {
  const sentences = text.match(/[^.!?…]+[.!?…]*\s*/g) ?? [text];
  const out: string[] = [];
  let current = '';
  for (const sentence of sentences) {
    if ((current + sentence).length > max && current) {
      out.push(current.trim());
      current = '';
    }
    if (sentence.length > max) {
      // A very long sentence is split at word boundaries.
      for (const word of sentence.split(/\s+/)) {
        if ((current + ' ' + word).length > max && current) {
          out.push(current.trim());
          current = '';
        }
        current += (current ? ' ' : '') + word;
      }
    } else current += sentence;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

export const speechAvailable = () => typeof window !== 'undefined' && 'speechSynthesis' in window;

function pickVoice(voice: Voice): SpeechSynthesisVoice | undefined {
  const voices = speechSynthesis.getVoices();
  return (
    (voice.voiceName ? voices.find((v) => v.name === voice.voiceName) : undefined) ??
    voices.find((v) => v.lang === voice.locale) ??
    voices.find((v) => v.lang.startsWith(voice.locale.split('-')[0]!))
  );
}

/**
 * Speaks `text` with the tablet's voice; resolves when the last chunk ended, rejects with a reason
 * a caregiver can read when speech is missing or fails. A new call cancels what is being said.
 */
export function speak(text: string, voice: Voice): Promise<void> {
  if (!speechAvailable()) return Promise.reject(new Error('this browser cannot speak (no speechSynthesis)'));
  speechSynthesis.cancel();
  const parts = chunks(text);
  const chosen = pickVoice(voice);
  return parts.reduce<Promise<void>>(
    (previous, part) =>
      previous.then(
        () =>
          new Promise<void>((resolve, reject) => {
            const utterance = new SpeechSynthesisUtterance(part);
            utterance.lang = voice.locale;
            utterance.rate = voice.rate;
            if (chosen) utterance.voice = chosen;
            utterance.onend = () => resolve();
            utterance.onerror = (event) => reject(new Error(`speech failed: ${event.error}`));
            speechSynthesis.speak(utterance);
          }),
      ),
    Promise.resolve(),
  );
}

export function stopSpeaking(): void {
  if (speechAvailable()) speechSynthesis.cancel();
}
