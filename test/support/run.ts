import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';

/**
 * What one `jest` run shares across its worker processes, set by test/support/global-setup.ts:
 * a run id that every database name and Redis key prefix of the run carries (so the global
 * teardown removes exactly this run's leftovers, never another run's on a shared server), and
 * the seed every random generator of the run derives from.
 */
export const RUN_ID = process.env.ALMANAC_TEST_RUN ?? `r${randomBytes(3).toString('hex')}`;
export const RUN_SEED = Number(process.env.ALMANAC_TEST_SEED ?? Date.now() % 2 ** 31);

/** A Redis key prefix (QUEUE_PREFIX) owned by one test file of this run. */
export function testPrefix(label: string): string {
  return `t-${label}-${RUN_ID}-${randomBytes(3).toString('hex')}`;
}

/** A database name owned by one test file of this run. */
export function testDatabaseName(label: string): string {
  return `almanac_t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${RUN_ID}_${randomBytes(4).toString('hex')}`;
}

/**
 * A seeded random generator in [0, 1) for a test (fast-check's generator): the same run seed and
 * name give the same sequence, so `ALMANAC_TEST_SEED=<seed printed on failure> npx jest <file>`
 * replays it.
 */
export function seededRandom(name: string): () => number {
  const seed = (RUN_SEED ^ createHash('sha256').update(name).digest().readInt32BE(0)) | 0;
  const [stream] = fc.sample(fc.infiniteStream(fc.noBias(fc.integer({ min: 0, max: 2 ** 30 - 1 }))), { seed, numRuns: 1 });
  const values = stream[Symbol.iterator]();
  return () => (values.next().value as number) / 2 ** 30;
}
