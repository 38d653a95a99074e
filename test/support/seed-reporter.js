// Prints the run's seed when anything failed, so the failing random inputs can be replayed.
class SeedReporter {
  onRunComplete(_contexts, results) {
    if (results.numFailedTests === 0 && results.numFailedTestSuites === 0) return;
    const seed = process.env.ALMANAC_TEST_SEED;
    process.stderr.write(`\nRandom inputs of this run came from seed ${seed}; replay with ALMANAC_TEST_SEED=${seed} npx jest <file>\n`);
  }
}
module.exports = SeedReporter;
