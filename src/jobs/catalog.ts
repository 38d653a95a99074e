/**
 * Every BullMQ queue and job name, in one place. A worker checks at start that each job
 * listed here has exactly one handler, so a job can never sit unprocessed for want of one.
 */
export const QUEUES = {
  projections: 'projections',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const JOBS = {
  projections: {
    /** Apply the log to one projection; job id `project-<name>` deduplicates wake-ups. */
    project: 'project',
    /** Repeatable: wake every projection, so a wake-up lost while Redis was down costs latency only. */
    sweep: 'sweep',
    /** Rebuild one projection into fresh tables and swap; job id `rebuild-<name>`. */
    rebuild: 'rebuild',
  },
} as const satisfies Record<keyof typeof QUEUES, Record<string, string>>;

/** Redis Cluster needs every key of a queue in one hash slot: BullMQ keys are `<prefix>:<queue>:…`. */
export const queuePrefix = (prefix: string): string => `{${prefix}}`;

/** Jobs a worker process runs at once, per queue (different projections run side by side). */
export const CONCURRENCY: Record<QueueName, number> = {
  projections: 8,
};
