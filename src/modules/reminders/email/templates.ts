import Handlebars from 'handlebars';

/** What every reminder and notice template reads. */
export interface EventEmailView {
  kindLine: string;
  title: string;
  when: string;
  where: string;
  description: string;
  eventUrl: string;
  name: string | null;
  unsubscribeUrl: string;
  reason: string | null;
}

// Handlebars escapes {{…}} in HTML; the text templates are compiled with noEscape.
const html = (body: string) =>
  Handlebars.compile<EventEmailView>(
    `<!doctype html><html><body style="font-family:sans-serif;line-height:1.4">
<p>{{#if name}}Hello {{name}},{{else}}Hello,{{/if}}</p>
${body}
<table role="presentation" cellpadding="4">
<tr><th align="left">When</th><td>{{when}}</td></tr>
<tr><th align="left">Where</th><td>{{where}}</td></tr>
</table>
{{#if description}}<p>{{description}}</p>{{/if}}
<p><a href="{{eventUrl}}">Event details</a>. Your calendar entry is attached and updates the one you may already have.</p>
<hr><p style="font-size:smaller"><a href="{{unsubscribeUrl}}">Unsubscribe</a> from these emails.</p>
</body></html>`,
    { strict: false },
  );
const text = (body: string) =>
  Handlebars.compile<EventEmailView>(
    `{{#if name}}Hello {{name}},{{else}}Hello,{{/if}}

${body}

When:  {{when}}
Where: {{where}}
{{#if description}}

{{description}}
{{/if}}

Event details: {{eventUrl}}
Your calendar entry is attached and updates the one you may already have.

--
Unsubscribe: {{unsubscribeUrl}}
`,
    { noEscape: true },
  );

export interface Templates {
  subject: Handlebars.TemplateDelegate<EventEmailView>;
  text: Handlebars.TemplateDelegate<EventEmailView>;
  html: Handlebars.TemplateDelegate<EventEmailView>;
}

const line = '{{kindLine}} "{{title}}".';
const cancelLine = '{{kindLine}} "{{title}}"{{#if reason}} ({{reason}}){{/if}}. Nothing else is needed: your calendar removes the entry.';

export const TEMPLATES: Record<'reminder' | 'updated' | 'cancelled', Templates> = {
  reminder: {
    subject: Handlebars.compile('Reminder: {{title}} — {{when}}', { noEscape: true }),
    text: text(line),
    html: html(`<p>${line}</p>`),
  },
  updated: {
    subject: Handlebars.compile('Updated: {{title}} — {{when}}', { noEscape: true }),
    text: text(line),
    html: html(`<p>${line}</p>`),
  },
  cancelled: {
    subject: Handlebars.compile('Cancelled: {{title}} — {{when}}', { noEscape: true }),
    text: text(cancelLine),
    html: html(`<p>${cancelLine}</p>`),
  },
};
