// Runs once per `jest` run, before any worker starts: the run id and seed reach every worker
// through the environment (see run.ts).
const { randomBytes } = require('node:crypto');

module.exports = async function globalSetup() {
  process.env.ALMANAC_TEST_RUN ??= `r${randomBytes(3).toString('hex')}`;
  process.env.ALMANAC_TEST_SEED ??= String(Date.now() % 2 ** 31);
};
