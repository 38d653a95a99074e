import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createWorkerContext } from './bootstrap';
import { relayOutagesToMainThread } from './common/outage';
import type { AppConfig } from './config/config';
import { CLOSE, READY } from './startup/worker-thread-handle';

/**
 * The worker side of `node dist/main.js all`, in a worker thread (see startWorkerThread). The
 * main thread has checked the dependencies and migrated the database; its config arrives here.
 * Signals reach the main thread only: it sends CLOSE, and the thread closes and ends with 0.
 */
async function run(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-thread.js runs inside node dist/main.js all, not on its own');
  const { config } = workerData as { config: AppConfig };
  // One warning per outage for the whole process: the main thread's monitors report this thread's connection errors.
  relayOutagesToMainThread();
  const app = await createWorkerContext(Object.freeze(config), 'worker');
  port.on('message', (m: unknown) => {
    if (m !== CLOSE) return;
    // process.exit in a worker thread ends the thread only, with that code.
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        throw err;
      },
    );
  });
  port.postMessage(READY);
}

run().catch((err: unknown) => {
  // Thrown out of the promise chain: the main thread gets it as the Worker's 'error'.
  setImmediate(() => {
    throw err;
  });
});
