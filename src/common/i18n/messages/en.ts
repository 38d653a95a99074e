/**
 * English: the reference catalogue of what the server says to people (emails and the link
 * pages), in ICU MessageFormat. Every other language falls back to it key by key.
 */
export const en = {
  'mail.greeting': 'Hello,',
  'mail.greetingNamed': 'Hello {name},',
  'mail.unsubscribe': 'Unsubscribe',
  'mail.unsubscribeLink': 'Unsubscribe from these emails',

  'event.subject.reminder': 'Reminder: {title} — {when}',
  'event.subject.updated': 'Updated: {title} — {when}',
  'event.subject.cancelled': 'Cancelled: {title} — {when}',
  'event.line.reminder': 'A reminder, {lead} ahead: "{title}".',
  'event.line.updated': 'There is a change to "{title}".',
  'event.line.updatedInstance': 'There is a change to one date of "{title}".',
  'event.line.cancelled': 'This event is cancelled: "{title}".',
  'event.line.cancelledReason': 'This event is cancelled: "{title}" ({reason}).',
  'event.line.cancelledInstance': 'One date of "{title}" is cancelled.',
  'event.line.cancelledInstanceReason': 'One date of "{title}" is cancelled ({reason}).',
  'event.cancelledNote': 'Nothing else is needed: your calendar removes the entry.',
  'event.when': 'When',
  'event.where': 'Where',
  'event.details': 'Event details',
  'event.attached': 'Your calendar entry is attached and updates the one you may already have.',

  'confirm.subject': 'Confirm your almanac subscription',
  'confirm.intro': 'someone (we hope you) asked to receive event reminders from almanac at this address:',
  'confirm.events': 'events: {filters}',
  'confirm.reminders': '{count, plural, one {reminder: {leadTimes} before each event} other {reminders: {leadTimes} before each event}}',
  'confirm.openLink': 'To confirm, open this link within {days, plural, one {# day} other {# days}}:',
  'confirm.button': 'Confirm my subscription',
  'confirm.linkValid': '(the link works for {days, plural, one {# day} other {# days}}).',
  'confirm.ignore': 'If you did not ask for this, ignore this email: nothing will be sent to you.',
  'confirm.stopAll': 'To stop all email from us: {url}',
  'confirm.stopAllLink': 'Stop all email from us',

  'prefs.all': 'all events',
  'prefs.countries': 'in {countries}',
  'prefs.programmes': 'programmes {programmes}',
  'prefs.events': '{count, plural, one {# chosen event} other {# chosen events}}',
  'prefs.separator': '; ',

  'programme.education': 'Education',
  'programme.social-sciences': 'Social and human sciences',
  'programme.natural-sciences': 'Natural sciences',
  'programme.culture': 'Culture',
  'programme.communication-information': 'Communication and information',

  'page.confirm.title': 'Confirm your subscription',
  'page.confirm.message': 'Press the button to start receiving event reminders from almanac at this address.',
  'page.unsubscribe.title': 'Unsubscribe',
  'page.unsubscribe.message': 'Press the button to stop all email from almanac to this address.',
  'page.unsubscribe.button': 'Unsubscribe',
  'page.confirmed.title': 'Subscription confirmed',
  'page.confirmed.message': 'Thank you: almanac will email you reminders of the events you chose. Every email has a link to unsubscribe.',
  'page.alreadyConfirmed.title': 'Already confirmed',
  'page.alreadyConfirmed.message': 'This subscription was already confirmed with these choices; nothing changed.',
  'page.alreadyConfirmed.done': 'This subscription is confirmed with these choices; there is nothing left to do.',
  'page.unsubscribed.title': 'You are unsubscribed',
  'page.unsubscribed.message': 'almanac will send no more email to this address.',
  'page.unsubscribed.done': 'almanac sends no email to this address.',
  'page.expired.title': 'This link has expired',
  'page.expired.message': 'This confirmation link has expired (links work for {days, plural, one {# day} other {# days}}); subscribe again to get a new one.',
  'page.invalid.title': 'This link is not valid',
  'page.invalid.message': 'This link is not valid; it may have been cut short: open it again from the email.',
  'page.gone.title': 'This link no longer works',
  'page.gone.message': 'The subscription was cancelled or erased after this link was sent; subscribe again to get a new one.',

  // To AUDIT_CHECKPOINT_EMAILS and WEBHOOKS_ADMIN_EMAILS, in ADMIN_EMAIL_LOCALE.
  'admin.webhookPaused.subject': 'Webhook endpoint paused: {url}',
  'admin.webhookPaused.paused': 'The webhook endpoint {id} ({url}) was paused: {reason}.',
  'admin.webhookPaused.cursor': 'Its cursor is kept at position {position}; nothing after it is lost.',
  'admin.webhookPaused.resume': 'When the receiver works again, resume it: {request}',
  'audit.digest.subject': 'almanac checkpoints: tree size {size}',
  'audit.digest.summary': '{count, plural, one {# checkpoint} other {# checkpoints}} of {origin}, tree sizes {first} to {last}.',
  'audit.digest.keep': 'Keep this email: any later checkpoint must be consistent with these ({command}).',
  'audit.digest.signed': 'signed {when}',
} as const;

export type MessageId = keyof typeof en;
/** Another language: any subset of the English keys (the rest fall back to English). */
export type Catalogue = Partial<Record<MessageId, string>>;
