import fc from 'fast-check';
import { RUN_SEED } from './run';

// Every property of the run draws from the run's seed (printed on failure by seed-reporter.js).
fc.configureGlobal({ seed: RUN_SEED });
