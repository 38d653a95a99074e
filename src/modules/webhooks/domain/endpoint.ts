import ipaddr from 'ipaddr.js';
import { DomainError } from '../../../common/domain/domain-error';
import { CALENDAR_EVENT_TYPES } from '../../scheduling/domain/events';

export const ENDPOINT_STATUSES = ['active', 'paused'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

/** Where webhook URLs may point: anywhere (development, tests) or only public https hosts. */
export interface UrlPolicy {
  requirePublic: boolean;
}

const MAX_URL_LENGTH = 2000;

/**
 * A URL an endpoint may have: http(s), no credentials, no fragment; under a public-only policy
 * https and, when the host is an address literal, a public one (names are checked when resolved).
 */
export function checkEndpointUrl(raw: string, policy: UrlPolicy): string {
  const invalid = (message: string) => new DomainError('invalid', 'WEBHOOK_URL_INVALID', message, 'url');
  if (raw.length > MAX_URL_LENGTH) throw invalid(`url must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('url must be an http or https URL');
  if (url.username || url.password) throw invalid('url must not carry credentials');
  if (url.hash) throw invalid('url must not carry a fragment');
  if (policy.requirePublic) {
    if (url.protocol !== 'https:') throw invalid('url must be https');
    const host = url.hostname
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '')
      .toLowerCase();
    if (ipaddr.isValid(host) && !isPublicAddress(host)) throw invalid('url must not point at a loopback, private or link-local address');
    if (host === 'localhost' || host.endsWith('.localhost')) throw invalid('url must not point at a loopback, private or link-local address');
  }
  return url.toString();
}

/** Only globally routable unicast addresses: not loopback, private, link-local, CGNAT, multicast, reserved… */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === 'unicast';
}

/** `eventTypes` of an endpoint: known calendar event types, each once; empty means all of them. */
export function checkEventTypes(types: readonly string[]): string[] {
  const known = CALENDAR_EVENT_TYPES as readonly string[];
  const unknown = types.filter((t) => !known.includes(t));
  if (unknown.length) throw new DomainError('invalid', 'WEBHOOK_EVENT_TYPES_INVALID', `eventTypes must be among ${known.join(', ')}; unknown: ${unknown.join(', ')}`, 'eventTypes');
  return [...new Set(types)];
}

/** The wait before the next attempt after `failures` consecutive failures; the schedule's last step repeats. */
export function backoffMs(failures: number, scheduleSeconds: readonly number[]): number {
  const step = scheduleSeconds[Math.min(Math.max(failures, 1), scheduleSeconds.length) - 1] ?? 3600;
  return Math.round(step * 1000);
}

/** After failing since `failingSince`, is the retry budget spent (so the endpoint pauses)? */
export function budgetSpent(failingSince: Date, now: Date, budgetSeconds: number): boolean {
  return now.getTime() - failingSince.getTime() >= budgetSeconds * 1000;
}

/** How long the secret replaced by a rotation keeps signing alongside the new one. */
export const PREVIOUS_SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/** The secrets a delivery is signed with at `now`: the current one, and the previous one during its overlap. */
export function signingSecrets(e: { secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null }, now: Date): string[] {
  const previous = e.previousSecret && e.previousSecretExpiresAt && e.previousSecretExpiresAt > now ? [e.previousSecret] : [];
  return [e.secret, ...previous];
}

const MAX_DESCRIPTION = 500;

/** A description: at most 500 characters, well-formed, no control character but tab and newline. */
export function checkDescription(d: string | null): string | null {
  if (d === null) return null;
  // eslint-disable-next-line no-control-regex
  if (d.length > MAX_DESCRIPTION || /[\u0000-\u0008\u000B-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(d)) {
    throw new DomainError('invalid', 'VALIDATION_FAILED', `description must be at most ${MAX_DESCRIPTION} characters of text (no control characters but tab and newline)`, 'description');
  }
  return d;
}
