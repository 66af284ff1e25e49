// Prints each lazy route chunk's JavaScript, gzipped, with everything it loads, and fails the build
// when a budget is exceeded (the editor must stay light enough for a phone, the kiosk lighter still).
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite/manifest.json'), 'utf8'));

// A route's cost: the app entry plus the chain of lazy chunks behind it, with their static imports.
const BUDGETS = [
  {
    name: 'flow editor (/flows/:id)',
    chunks: ['src/caregiver/CaregiverShell.vue', 'src/caregiver/flows/editor/FlowEditorView.vue'],
    kb: 450,
  },
  {
    name: 'tablet kiosk (/tablet)',
    chunks: ['src/tablet/TabletShell.vue', 'src/tablet/views/TabletHomeView.vue'],
    kb: 150,
  },
];

const gz = new Map();
const gzipped = (file) => {
  if (!gz.has(file)) gz.set(file, gzipSync(fs.readFileSync(path.join(dist, file))).length);
  return gz.get(file);
};
function files(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const next of chunk.imports ?? []) files(next, seen);
  return seen;
}
const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
const base = files(entry);
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const sum = (set) => [...set].reduce((total, file) => total + gzipped(file), 0);

console.log(`\nRoute JavaScript, gzipped (app entry ${kb(sum(base))}):`);
for (const key of Object.keys(manifest)
  .filter((k) => manifest[k].isDynamicEntry)
  .sort()) {
  const own = new Set([...files(key)].filter((file) => !base.has(file)));
  console.log(`  ${key.padEnd(56)} +${kb(sum(own)).padStart(9)}`);
}
let failed = false;
for (const budget of BUDGETS) {
  const all = new Set(base);
  for (const key of budget.chunks) for (const file of files(key)) all.add(file);
  const total = sum(all);
  const ok = total <= budget.kb * 1024;
  failed ||= !ok;
  console.log(`  ${ok ? 'ok  ' : 'OVER'} ${budget.name}: ${kb(total)} of ${budget.kb} KB`);
}
if (failed) process.exit(1);
