import Handlebars from 'handlebars';

/** Compiled once at load. Handlebars escapes `{{…}}` for HTML; the text template is not HTML, so it opts out. */
const hb = Handlebars.create();

/** Every sentence already translated (confirm.renderer.ts): the templates hold only the layout, for every language. */
export interface ConfirmView {
  lang: string;
  greeting: string;
  intro: string;
  events: string;
  reminders: string;
  openLink: string;
  button: string;
  linkValid: string;
  ignore: string;
  stopAll: string;
  stopAllLink: string;
  confirmUrl: string;
  unsubscribeUrl: string;
}

export const confirmText = hb.compile<ConfirmView>(
  `{{greeting}}

{{intro}}
  {{events}}
  {{reminders}}

{{openLink}}
{{confirmUrl}}

{{ignore}}
{{stopAll}}
`,
  { noEscape: true },
);

export const confirmHtml = hb.compile<ConfirmView>(`<!doctype html>
<html lang="{{lang}}"><body style="font-family: sans-serif; line-height: 1.5">
<p>{{greeting}}</p>
<p>{{intro}}</p>
<ul><li>{{events}}</li><li>{{reminders}}</li></ul>
<p><a href="{{confirmUrl}}">{{button}}</a> {{linkValid}}</p>
<p>{{ignore}}</p>
<p style="font-size: small"><a href="{{unsubscribeUrl}}">{{stopAllLink}}</a></p>
</body></html>
`);
