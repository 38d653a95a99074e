import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AppConfig } from '../config/config';

/** The thread's entry: dist/worker-thread.js, beside dist/main.js. */
const ENTRY = join(__dirname, '..', 'worker-thread.js');

/** Messages between the main thread and the worker thread of `all`. */
export const READY = 'ready';
export const CLOSE = 'close';

export interface WorkerThread {
  /** Asks the worker side to finish or hand back its jobs and close its pools; resolves once the thread has ended cleanly. */
  close(): Promise<void>;
  /** Called once if the thread ends without being asked to (an uncaught error, a failed close of its own). */
  onCrash(listener: (err: Error) => void): void;
}

/**
 * `all` runs the worker application (BullMQ workers: projections, reminders, mail, webhooks) in
 * a worker thread of the same process: its own event loop, heap and pools, so the jobs' CPU and
 * round trips do not queue behind HTTP requests (and theirs not behind the jobs). Resolves once
 * its workers run; rejects with the thread's error if it fails to start.
 */
export async function startWorkerThread(config: AppConfig): Promise<WorkerThread> {
  const thread = new Worker(ENTRY, { workerData: { config } });
  let error: Error | undefined;
  let asked = false;
  const crashListeners: ((err: Error) => void)[] = [];
  // 'error' (an uncaught exception or rejection in the thread) comes before 'exit'.
  thread.on('error', (err: Error) => (error = err));
  const ended = new Promise<number>((resolve) => thread.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    thread.once('message', (m: unknown) => {
      if (m === READY) resolve();
    });
    void ended.then((code) => reject(error ?? new Error(`the worker thread exited with code ${code} while starting`)));
  });
  let crash: Error | undefined;
  let ran = false;
  void ended.then((code) => {
    ran = true;
    if (asked && code === 0) return;
    crash = error ?? new Error(`the worker thread exited with code ${code}${asked ? ' while closing' : ''}`);
    for (const l of crashListeners) l(crash);
  });
  return {
    async close() {
      // After a crash there is nothing left to close (the crash was reported to onCrash).
      if (ran) return;
      asked = true;
      thread.postMessage(CLOSE);
      const code = await ended;
      if (code !== 0) throw error ?? new Error(`the worker thread exited with code ${code} while closing`);
    },
    onCrash(listener) {
      crashListeners.push(listener);
      if (crash) listener(crash);
    },
  };
}
