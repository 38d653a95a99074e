// Preloaded (`node --require`) into a process under test to run its clock ahead by
// ALMANAC_TEST_CLOCK_OFFSET_MS: only Date is faked, and it keeps advancing in real time, so the
// process behaves normally while believing it is later — e.g. a worker that picks up a delayed
// job as if it had been held back for that long.
const offset = Number(process.env.ALMANAC_TEST_CLOCK_OFFSET_MS ?? 0);
if (offset) {
  require('@sinonjs/fake-timers').install({ now: Date.now() + offset, toFake: ['Date'], shouldAdvanceTime: true, advanceTimeDelta: 5 });
}
