import { ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import Handlebars from 'handlebars';
import { ProblemException } from '../../../common/http/problem';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Public } from '../../../common/http/access';
import { DevMailbox, DevMailboxMessage } from '../mailers';

const page = Handlebars.create().compile<{ messages: DevMailboxMessage[] }>(`<!doctype html>
<html><head><meta charset="utf-8"><title>almanac development mailbox</title>
<style>body{font-family:sans-serif;margin:2em}details{border-top:1px solid #ccc;padding:.5em 0}pre{white-space:pre-wrap;font-size:12px;background:#f6f6f6;padding:1em}</style></head>
<body><h1>Development mailbox</h1><p>{{messages.length}} message(s), newest first (the last 500 kept). JSON: <a href="/dev/mailbox.json">/dev/mailbox.json</a></p>
{{#each messages}}<details><summary><b>{{subject}}</b> to {{to}} — {{date}}</summary><pre>{{text}}</pre><details><summary>source</summary><pre>{{raw}}</pre></details></details>{{/each}}
</body></html>`);

/**
 * /dev/mailbox: what the embedded sink "sent" (SMTP_URL unset, never in production). The
 * messages live in Redis, so this works whether the worker runs in this process or another.
 */
@Controller('dev')
export class DevMailboxController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mailbox: DevMailbox,
  ) {}

  @Get('mailbox')
  @Public()
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'development only: the messages as a page', content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/html; charset=utf-8')
  async html(): Promise<string> {
    return page({ messages: await this.messages() });
  }

  @Get('mailbox.json')
  @Public()
  @ApiOkResponse({
    description: 'development only: the messages with their raw source',
    schema: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: { type: 'object', additionalProperties: true } } } },
  })
  async json(): Promise<{ items: DevMailboxMessage[] }> {
    return { items: await this.messages() };
  }

  private messages(): Promise<DevMailboxMessage[]> {
    if (this.config.SMTP_URL || this.config.NODE_ENV === 'production') throw new ProblemException(404, 'NOT_FOUND', 'no such route');
    return this.mailbox.list();
  }
}
