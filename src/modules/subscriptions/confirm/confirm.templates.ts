import Handlebars from 'handlebars';

/** Compiled once at load. Handlebars escapes `{{…}}` for HTML; the text template is not HTML, so it opts out. */
const hb = Handlebars.create();

export interface ConfirmView {
  name: string | null;
  confirmUrl: string;
  unsubscribeUrl: string;
  filters: string;
  leadTimes: string;
  expiresDays: number;
}

export const confirmSubject = 'Confirm your almanac subscription';

export const confirmText = hb.compile<ConfirmView>(
  `Hello{{#if name}} {{name}}{{/if}},

someone (we hope you) asked to receive event reminders from almanac at this address:
  events: {{filters}}
  reminders: {{leadTimes}} before each event

To confirm, open this link within {{expiresDays}} days:
{{confirmUrl}}

If you did not ask for this, ignore this email: nothing will be sent to you.
To stop all email from us: {{unsubscribeUrl}}
`,
  { noEscape: true },
);

export const confirmHtml = hb.compile<ConfirmView>(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello{{#if name}} {{name}}{{/if}},</p>
<p>someone (we hope you) asked to receive event reminders from almanac at this address:</p>
<ul><li>events: {{filters}}</li><li>reminders: {{leadTimes}} before each event</li></ul>
<p><a href="{{confirmUrl}}">Confirm my subscription</a> (the link works for {{expiresDays}} days).</p>
<p>If you did not ask for this, ignore this email: nothing will be sent to you.</p>
<p style="font-size: small"><a href="{{unsubscribeUrl}}">Stop all email from us</a></p>
</body></html>
`);
