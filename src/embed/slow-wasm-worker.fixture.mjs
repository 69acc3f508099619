/* global WebAssembly, setTimeout */
// Test fixture: the shipped USE-Lite worker on a "busy machine", where compiling the wasm backend
// finishes well after the model weights have been read. Before the fix this ordering failed with
// "Backend 'wasm' has not yet been initialized".
const DELAY_MS = 1500;
for (const name of ['compile', 'instantiate']) {
  const original = WebAssembly[name];
  WebAssembly[name] = async (...args) => {
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS));
    return original.apply(WebAssembly, args);
  };
}
await import('./use-lite-worker.mjs');
