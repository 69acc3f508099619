// Worker thread for the onnxruntime USE-Lite embedder: one session, one batch at a time.
// Plain JavaScript so it loads in a worker without the TypeScript loader.
import { parentPort, workerData } from 'node:worker_threads';
import { createUseLiteRuntime } from './onnx-use-lite-runtime.mjs';

const runtime = await createUseLiteRuntime(workerData);
await runtime.embed(['warm up']);
parentPort.postMessage({ type: 'ready' });

parentPort.on('message', async (message) => {
  try {
    const rows = await runtime.embed(message.texts);
    parentPort.postMessage(
      { type: 'result', id: message.id, rows },
      rows.map((row) => row.buffer),
    );
  } catch (error) {
    parentPort.postMessage({
      type: 'error',
      id: message.id,
      message: String(error?.message ?? error),
    });
  }
});
