import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { CalendarReadModel } from '../../calendar/read-model/calendar.read-model';
import { type CalendarRow, occurrenceRow } from '../../calendar/read-model/calendar-row';
import { occurrenceTimeFromKey } from '../../scheduling/domain/recurrence';
import type { EventTime } from '../../scheduling/domain/time';
import { EmailRenderer, Recipient, RegisterEmailRenderer, RenderScope, RenderedMail } from '../../mail/mail.types';
import { NoticeEmailPayload, REMINDER_KIND, ReminderEmailPayload } from '../domain/notifications';
import { isStale } from '../domain/reminder-timing';
import { describeLead, describeWhen } from './describe-time';
import { EventIcs, IcsParty, eventIcsFor } from './event-ics';
import { type EventEmailView, eventHtml, eventText } from './templates';
import { type Translator, translator } from '../../../common/i18n/i18n';
import { isoInstant } from '../../scheduling/domain/time';

type Kind = 'reminder' | 'updated' | 'cancelled';

/**
 * Shared rendering of reminders and notices. The event is read again at render time (once per
 * send batch): what the delivery was planned for may no longer be true, and then nothing is sent
 * (`skip`).
 */
@Injectable()
export class EventEmailComposer {
  /** The iCalendar part of a loaded row (per instance), built once for all its recipients. */
  private readonly ics = new WeakMap<CalendarRow, Map<string, (attendee: IcsParty) => EventIcs>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly calendar: CalendarReadModel,
  ) {}

  /** The event as it stands now, or one instance of a series (`occurrence`: its original start's key) as a row of its own; read once per scope. */
  event(id: string, occurrence: string | undefined, scope: RenderScope): Promise<CalendarRow | undefined> {
    return scope.once(`event|${id}|${occurrence ?? ''}`, async () => {
      const row = await this.calendar.get(id);
      if (!row || !occurrence) return row;
      return occurrenceRow(row, occurrence) ?? undefined;
    });
  }

  /**
   * The email in the recipient's language (their stored locale, English when we do not write
   * theirs); dates in the venue's zone, formatted for that locale. The iCalendar part is the
   * same in every language: SUMMARY is the event's own title.
   */
  compose(kind: Kind, row: CalendarRow, r: Recipient, about: { leadTime?: string; occurrence?: string } = {}): RenderedMail {
    const { occurrence } = about;
    const instanceOf: EventTime | undefined = occurrence ? occurrenceTimeFromKey(occurrence) : undefined;
    const { t, locale } = translator(r.locale);
    const title = row.title;
    const when = describeWhen(row, r.locale);
    const view: EventEmailView = {
      lang: locale,
      greeting: r.name ? t('mail.greetingNamed', { name: r.name }) : t('mail.greeting'),
      line: kindLine(t, kind, { title, reason: row.cancel_reason, lead: about.leadTime ? describeLead(about.leadTime, r.locale) : '', instance: !!occurrence }),
      note: kind === 'cancelled' ? t('event.cancelledNote') : null,
      whenLabel: t('event.when'),
      when,
      whereLabel: t('event.where'),
      where: [row.venue, row.city, row.country.trim()].filter((p) => p).join(', '),
      description: row.description,
      detailsLabel: t('event.details'),
      eventUrl: `${this.config.PUBLIC_BASE_URL}/v1/events/${row.id}`,
      attached: t('event.attached'),
      unsubscribeLabel: t('mail.unsubscribe'),
      unsubscribeLink: t('mail.unsubscribeLink'),
      unsubscribeUrl: r.unsubscribeUrl,
    };
    return {
      subject: t(`event.subject.${kind}`, { title, when }),
      text: eventText(view),
      html: eventHtml(view),
      icalEvent: this.icsOf(row, occurrence, instanceOf)({ email: r.email, name: r.name }),
    };
  }

  private icsOf(row: CalendarRow, occurrence: string | undefined, instanceOf: EventTime | undefined): (attendee: IcsParty) => EventIcs {
    let byOccurrence = this.ics.get(row);
    if (!byOccurrence) this.ics.set(row, (byOccurrence = new Map()));
    let forRecipient = byOccurrence.get(occurrence ?? '');
    if (!forRecipient) {
      forRecipient = eventIcsFor(row, { baseUrl: this.config.PUBLIC_BASE_URL, organizer: { email: this.config.MAIL_FROM, name: 'almanac' }, instanceOf });
      byOccurrence.set(occurrence ?? '', forRecipient);
    }
    return forRecipient;
  }
}

/** The sentence saying what the email is about; a notice about one date of a series says so. */
function kindLine(t: Translator['t'], kind: Kind, v: { title: string; reason: string | null; lead: string; instance: boolean }): string {
  if (kind === 'reminder') return t('event.line.reminder', { title: v.title, lead: v.lead });
  if (kind === 'updated') return t(v.instance ? 'event.line.updatedInstance' : 'event.line.updated', { title: v.title });
  if (v.reason) return t(v.instance ? 'event.line.cancelledInstanceReason' : 'event.line.cancelledReason', { title: v.title, reason: v.reason });
  return t(v.instance ? 'event.line.cancelledInstance' : 'event.line.cancelled', { title: v.title });
}

@Injectable()
@RegisterEmailRenderer()
export class ReminderEmailRenderer implements EmailRenderer<ReminderEmailPayload> {
  readonly kind = REMINDER_KIND;

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: ReminderEmailPayload, r: Recipient, scope: RenderScope): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence, scope);
    if (!row) return { skip: 'stale: event not found' };
    if (row.status === 'cancelled') return { skip: 'stale: event cancelled' };
    if (isoInstant(row.starts_at) !== p.startAt) return { skip: `stale: planned for ${p.startAt}, the event now starts ${isoInstant(row.starts_at)}` };
    if (isStale(new Date(p.dueAt), new Date())) return { skip: `stale: due ${p.dueAt}, more than 15 minutes ago` };
    return this.composer.compose('reminder', row, r, { leadTime: p.leadTime, occurrence: p.occurrence });
  }
}

@Injectable()
@RegisterEmailRenderer()
export class UpdatedEmailRenderer implements EmailRenderer<NoticeEmailPayload> {
  readonly kind = 'updated';

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: NoticeEmailPayload, r: Recipient, scope: RenderScope): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence, scope);
    if (!row) return { skip: 'stale: event not found' };
    // A later cancel or reschedule has its own notice; this one would only say something outdated.
    if (row.status === 'cancelled') return { skip: 'stale: event cancelled since' };
    if (isoInstant(row.starts_at) !== p.startAt) return { skip: `stale: rescheduled again since version ${p.version}` };
    return this.composer.compose('updated', row, r, { occurrence: p.occurrence });
  }
}

@Injectable()
@RegisterEmailRenderer()
export class CancelledEmailRenderer implements EmailRenderer<NoticeEmailPayload> {
  readonly kind = 'cancelled';

  constructor(private readonly composer: EventEmailComposer) {}

  async render(p: NoticeEmailPayload, r: Recipient, scope: RenderScope): Promise<RenderedMail | { skip: string }> {
    const row = await this.composer.event(p.eventId, p.occurrence, scope);
    if (!row || row.status !== 'cancelled') return { skip: 'stale: event not cancelled' };
    return this.composer.compose('cancelled', row, r, { occurrence: p.occurrence });
  }
}
