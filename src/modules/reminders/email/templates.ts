import Handlebars from 'handlebars';

/**
 * What the reminder and notice templates read: every human sentence already translated (see
 * event-email.renderer.ts), so the templates hold only layout and one template serves every
 * language and kind.
 */
export interface EventEmailView {
  lang: string;
  greeting: string;
  /** What this email is about, with the title: "A reminder, 5 minutes ahead: …". */
  line: string;
  /** Only on a cancel: nothing is needed from the reader. */
  note: string | null;
  whenLabel: string;
  when: string;
  whereLabel: string;
  where: string;
  description: string;
  detailsLabel: string;
  eventUrl: string;
  attached: string;
  unsubscribeLabel: string;
  unsubscribeLink: string;
  unsubscribeUrl: string;
}

// Handlebars escapes {{…}} in HTML; the text template is compiled with noEscape.
const hb = Handlebars.create();

export const eventHtml = hb.compile<EventEmailView>(
  `<!doctype html><html lang="{{lang}}"><body style="font-family:sans-serif;line-height:1.4">
<p>{{greeting}}</p>
<p>{{line}}{{#if note}} {{note}}{{/if}}</p>
<table role="presentation" cellpadding="4">
<tr><th align="left">{{whenLabel}}</th><td>{{when}}</td></tr>
<tr><th align="left">{{whereLabel}}</th><td>{{where}}</td></tr>
</table>
{{#if description}}<p>{{description}}</p>{{/if}}
<p><a href="{{eventUrl}}">{{detailsLabel}}</a>. {{attached}}</p>
<hr><p style="font-size:smaller"><a href="{{unsubscribeUrl}}">{{unsubscribeLink}}</a></p>
</body></html>`,
  { strict: false },
);

export const eventText = hb.compile<EventEmailView>(
  `{{greeting}}

{{line}}{{#if note}} {{note}}{{/if}}

{{whenLabel}}:  {{when}}
{{whereLabel}}: {{where}}
{{#if description}}

{{description}}
{{/if}}

{{detailsLabel}}: {{eventUrl}}
{{attached}}

--
{{unsubscribeLabel}}: {{unsubscribeUrl}}
`,
  { noEscape: true },
);
