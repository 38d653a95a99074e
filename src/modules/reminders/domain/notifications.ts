import { createHash } from 'node:crypto';

/** Email kinds this module renders (part A's email job routes by kind). */
export const REMINDER_KIND = 'reminder';
export type NoticeKind = 'updated' | 'cancelled';

/** Payload of `reminders/due`: one delayed job per event and lead time, fanned out when it fires. */
export interface DueJobPayload {
  eventId: string;
  leadTime: string;
  /** The startsAt (ISO instant) the job was planned for: any other start makes it stale. */
  startAt: string;
  dueAt: string;
  /** The instance of a series (its original start's key); absent for a single event. */
  occurrence?: string;
}

/** Payload of `reminders/notice`: one job per (event, version) that changed notice-worthily. */
export interface NoticeJobPayload {
  eventId: string;
  version: number;
  kind: NoticeKind;
  /** The event's startsAt after the change (part of the delivery key). */
  startAt: string;
  /** The one instance of a series the notice is about; absent: the whole event or series. */
  occurrence?: string;
}

/** What each reminder delivery carries to its renderer. */
export interface ReminderEmailPayload {
  eventId: string;
  leadTime: string;
  startAt: string;
  dueAt: string;
  occurrence?: string;
}

/** What each notice delivery carries to its renderer. */
export interface NoticeEmailPayload {
  eventId: string;
  version: number;
  startAt: string;
  occurrence?: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/**
 * Deterministic per (event, lead time, start): a re-planned start is a new job, and the old
 * one, when it fires, finds the plan moved and sends nothing. BullMQ ids must not contain ':'.
 */
export const dueJobId = (eventId: string, leadTime: string, startAt: string, occurrence = ''): string => `due-${sha256(`${eventId}|${leadTime}|${startAt}${occurrence ? `|${occurrence}` : ''}`)}`;
export const noticeJobId = (eventId: string, version: number): string => `notice-${eventId}-v${version}`;

/** Agreed with the mail module: `${eventId}|${subscriptionId}|${kind}|${start}|${leadTime}`. */
export const reminderDeliveryKey = (eventId: string, subscriptionId: string, startAt: string, leadTime: string, occurrence = ''): string =>
  `${eventId}|${subscriptionId}|${REMINDER_KIND}|${startAt}|${leadTime}${instanceSuffix(occurrence)}`;
/** 'updated' carries the version, so two successive changes each notify; 'cancelled' happens once. */
export const noticeDeliveryKey = (n: Pick<NoticeJobPayload, 'eventId' | 'version' | 'kind' | 'startAt' | 'occurrence'>, subscriptionId: string): string =>
  `${n.eventId}|${subscriptionId}|${n.kind}|${n.startAt}|${n.kind === 'updated' ? `v${n.version}` : '-'}${instanceSuffix(n.occurrence ?? '')}`;
/** An instance's emails name it, so one instance's 'cancelled' never stands for another's or the series'. */
const instanceSuffix = (occurrence: string): string => (occurrence ? `|@${occurrence}` : '');
