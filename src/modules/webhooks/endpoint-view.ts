import type { Endpoint } from './endpoints.repository';

/** An endpoint as admins see it: never its secrets (the secret is shown once, on create and rotate). */
export function endpointView(e: Endpoint) {
  return {
    id: e.id,
    url: e.url,
    eventTypes: e.eventTypes,
    description: e.description,
    status: e.status,
    pausedReason: e.pausedReason,
    cursor: { position: e.cursor.position },
    failingSince: e.failingSince?.toISOString() ?? null,
    failedAttempts: e.failedAttempts,
    nextAttemptAt: e.nextAttemptAt?.toISOString() ?? null,
    lastError: e.lastError,
    previousSecretExpiresAt: e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt.toISOString() : null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

export type EndpointView = ReturnType<typeof endpointView>;
export type EndpointWithSecret = EndpointView & { secret: string };
