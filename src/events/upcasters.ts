/**
 * Old shapes of events are upcast when read, so the log is never rewritten and no hash breaks.
 * Register a step per (type, fromVersion); reading applies steps until the current version.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export class UpcasterRegistry {
  private readonly steps = new Map<string, Upcaster>();
  private readonly current = new Map<string, number>();
  /** Types with any step: a replay asks per row, and most types (today all) have none. */
  private readonly withSteps = new Set<string>();

  /** Declare the schema version new events of `type` are written with. */
  version(type: string, schemaVersion: number): this {
    this.current.set(type, schemaVersion);
    return this;
  }

  register(type: string, fromVersion: number, up: Upcaster): this {
    this.steps.set(`${type}@${fromVersion}`, up);
    this.withSteps.add(type);
    this.current.set(type, Math.max(this.current.get(type) ?? 1, fromVersion + 1));
    return this;
  }

  currentVersion(type: string): number {
    return this.current.get(type) ?? 1;
  }

  /** False when every version of `type` is read as stored (no step registered for it). */
  hasSteps(type: string): boolean {
    return this.withSteps.has(type);
  }

  upcast(type: string, schemaVersion: number, data: Record<string, unknown>): { schemaVersion: number; data: Record<string, unknown> } {
    let v = schemaVersion;
    let d = data;
    for (;;) {
      const step = this.steps.get(`${type}@${v}`);
      if (!step) return { schemaVersion: v, data: d };
      d = step(d);
      v += 1;
    }
  }
}

/** Every event type's current schema version and the steps from older ones (none yet). */
export function createUpcasters(): UpcasterRegistry {
  return new UpcasterRegistry();
}
