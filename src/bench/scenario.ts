import type { Progress } from './support/progress';
import type { Figure } from './support/report';

export interface ScenarioOutcome {
  figures: Figure[];
  /** Everything else worth keeping: counts, status codes, timings of setup phases. */
  details: Record<string, unknown>;
  /** Plain sentences for the reader: how the data was made, what a figure includes. */
  notes: string[];
}

/** One benchmark: owns its database, queue prefix and processes, and cleans them up. */
export interface Scenario {
  name: string;
  title: string;
  run(progress: Progress): Promise<ScenarioOutcome>;
}
