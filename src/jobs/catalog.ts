/**
 * Every BullMQ queue and job name, in one place. A worker checks at start that each job
 * listed here has exactly one handler, so a job can never sit unprocessed for want of one.
 */
export const QUEUES = {
  projections: 'projections',
  email: 'email',
  reminders: 'reminders',
  subscriptions: 'subscriptions',
  webhooks: 'webhooks',
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
  email: {
    /** Send one delivery; job id `sha256(deliveryKey)` (sendEmailJobId), so a delivery is queued once. */
    send: 'send',
    /** Send up to 50 deliveries of a fan-out together (one claim, one load, pooled SMTP); id `batch-<sha256(sorted keys)>`. */
    sendBatch: 'send-batch',
  },
  reminders: {
    /** Delayed, one per (event or series instance, lead time, start): fans a reminder out at due time; id `due-<sha256>`. */
    due: 'due',
    /** One per (event, version): 'updated'/'cancelled' notices to matching subscribers; id `notice-<event>-v<n>`. */
    notice: 'notice',
    /** Repeatable safety net: re-adds due and notice jobs an after-commit step lost (same ids: no-ops otherwise). */
    replan: 'replan',
    /** Repeatable (hourly): moves each recurring series' rolling horizon on and plans the instances it brings in. */
    extendHorizon: 'extend-horizon',
  },
  subscriptions: {
    /** One per sign-up (POST /v1/subscriptions), its request sealed: looks the address up and sends the confirmation. */
    signUp: 'sign-up',
  },
  webhooks: {
    /** Sends one endpoint the log after its cursor, in order; id `deliver-<endpoint id>`, so one runs per endpoint. */
    deliver: 'deliver',
    /** Repeatable: wakes every active endpoint, so a wake-up lost while Redis was down costs latency only. */
    sweep: 'sweep',
  },
} as const satisfies Record<keyof typeof QUEUES, Record<string, string>>;

/** Redis Cluster needs every key of a queue in one hash slot: BullMQ keys are `<prefix>:<queue>:…`. */
export const queuePrefix = (prefix: string): string => `{${prefix}}`;

/** Jobs a worker process runs at once, per queue (different projections run side by side). */
export const CONCURRENCY: Record<QueueName, number> = {
  projections: 8,
  email: 10,
  reminders: 4,
  subscriptions: 4,
  // Endpoints wait on other systems' answers (up to the timeout), so many run side by side.
  webhooks: 32,
};
