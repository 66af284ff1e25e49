import { runScript, loadScriptSandbox } from './quickjs.js';
await loadScriptSandbox();
for (let k = 0; k < 3; k++) {
const t = performance.now();
for (let i = 0; i < 500; i++) await runScript({ code: 'return payload.n + 1', data: { payload: { n: i } } });
console.log(((performance.now() - t) / 500).toFixed(3));
}
