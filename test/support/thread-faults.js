// Preloaded (`node --require`) into `node dist/main.js all` by test/ops/all-in-one.e2e.spec.ts;
// preloads run in every thread of the process. Faults the test triggers from outside:
// - main thread, SIGUSR2: its event loop (the API) is held busy for ALMANAC_TEST_BLOCK_MS, and
//   the file ALMANAC_TEST_BLOCKED_FILE is written when that starts;
// - worker thread, the file ALMANAC_TEST_CRASH_FILE appearing: an uncaught error there.
const { existsSync, writeFileSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

if (isMainThread && process.env.ALMANAC_TEST_BLOCK_MS) {
  process.on('SIGUSR2', () => {
    writeFileSync(process.env.ALMANAC_TEST_BLOCKED_FILE, String(Date.now()));
    const until = Date.now() + Number(process.env.ALMANAC_TEST_BLOCK_MS);
    while (Date.now() < until);
  });
}
if (!isMainThread && process.env.ALMANAC_TEST_CRASH_FILE) {
  const poll = setInterval(() => {
    if (!existsSync(process.env.ALMANAC_TEST_CRASH_FILE)) return;
    clearInterval(poll);
    throw new Error('test fault: an uncaught error in the worker thread');
  }, 50);
  poll.unref();
}
