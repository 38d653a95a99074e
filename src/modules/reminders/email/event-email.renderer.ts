import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import { type CalendarRow, occurrenceRow } from '../../calendar/read-model/calendar-row';
import { occurrenceTimeFromKey } from '../../scheduling/domain/recurrence';
import type { EventTime } from '../../scheduling/domain/time';
import { EmailRenderer, Recipient, RegisterEmailRenderer, RenderedMail } from '../../mail/mail.types';
import { NoticeEmailPayload, REMINDER_KIND, ReminderEmailPayload } from '../domain/notifications';
import { isStale } from '../domain/reminder-timing';
import { describeLead, describeWhen } from './describe-time';
import { eventIcs } from './event-ics';
import { TEMPLATES } from './templates';
import { isoInstant } from '../../scheduling/domain/time';

type Kind = 'reminder' | 'updated' | 'cancelled';

/**
 * Shared rendering of reminders and notices. The event is read again at render time: what the
 * delivery was planned for may no longer be true, and then nothing is sent (`skip`).
 */
@Injectable()
export class EventEmailComposer {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly calendar: CalendarReadModel,
  ) {}

  /** The event as it stands now, or one instance of a series (`occurrence`: its original start's key) as a row of its own. */
  async event(id: string, occurrence?: string): Promise<CalendarRow | undefined> {
    const row = await this.calendar.get(id);
    if (!row || !occurrence) return row;
    return occurrenceRow(row, occurrence) ?? undefined;
  }

  compose(kind: Kind, row: CalendarRow, r: Recipient, kindLine: string, occurrence?: string): RenderedMail {
    const instanceOf: EventTime | undefined = occurrence ? occurrenceTimeFromKey(occurrence) : undefined;
    const where = [row.venue, row.city, row.country.trim()].filter((p) => p).join(', ');
    const view = {
      kindLine,
      title: row.title,
      when: describeWhen(row, r.locale),
      where,
      description: row.description,
      eventUrl: `${this.config.PUBLIC_BASE_URL}/v1/events/${row.id}`,
      name: r.name,
      unsubscribeUrl: r.unsubscribeUrl,
      reason: row.cancel_reason,
    };
    const t = TEMPLATES[kind];
    return {
      subject: t.subject(view),
      text: t.text(view),
      html: t.html(view),
      icalEvent: eventIcs(row, { baseUrl: this.config.PUBLIC_BASE_URL, organizer: { email: this.config.MAIL_FROM, name: 'almanac' }, attendee: { email: r.email, name: r.name }, instanceOf }),
    };
  }
}

@Injectable()
@RegisterEmailRenderer()
export class ReminderEmailRenderer implements EmailRenderer<ReminderEmailPayload> {
  readonly kind = REMINDER_KIND;

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: ReminderEmailPayload, r: Recipient): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence);
    if (!row) return { skip: 'stale: event not found' };
    if (row.status === 'cancelled') return { skip: 'stale: event cancelled' };
    if (isoInstant(row.starts_at) !== p.startAt) return { skip: `stale: planned for ${p.startAt}, the event now starts ${isoInstant(row.starts_at)}` };
    if (isStale(new Date(p.dueAt), new Date())) return { skip: `stale: due ${p.dueAt}, more than 15 minutes ago` };
    return this.composer.compose('reminder', row, r, `A reminder, ${describeLead(p.leadTime, r.locale)} ahead:`, p.occurrence);
  }
}

@Injectable()
@RegisterEmailRenderer()
export class UpdatedEmailRenderer implements EmailRenderer<NoticeEmailPayload> {
  readonly kind = 'updated';

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: NoticeEmailPayload, r: Recipient): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence);
    if (!row) return { skip: 'stale: event not found' };
    // A later cancel or reschedule has its own notice; this one would only say something outdated.
    if (row.status === 'cancelled') return { skip: 'stale: event cancelled since' };
    if (isoInstant(row.starts_at) !== p.startAt) return { skip: `stale: rescheduled again since version ${p.version}` };
    return this.composer.compose('updated', row, r, 'There is a change to', p.occurrence);
  }
}

@Injectable()
@RegisterEmailRenderer()
export class CancelledEmailRenderer implements EmailRenderer<NoticeEmailPayload> {
  readonly kind = 'cancelled';

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: NoticeEmailPayload, r: Recipient): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence);
    if (!row || row.status !== 'cancelled') return { skip: 'stale: event not cancelled' };
    return this.composer.compose('cancelled', row, r, 'This event is cancelled:', p.occurrence);
  }
}
