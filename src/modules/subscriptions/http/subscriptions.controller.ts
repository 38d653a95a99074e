import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiProduces } from '@nestjs/swagger';
import { SubscriptionAcceptedSchema, SubscriptionConfirmedSchema, UnsubscribedSchema } from './subscriptions.schemas';
import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Consumes } from '../../../common/http/content-type.guard';
import { HtmlPageException } from '../../../common/http/html-page.exception';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { DomainError } from '../../../common/domain/domain-error';
import { AuthenticatedRequest, Public } from '../../../common/http/access';
import { RateLimit } from '../../../ops/http/rate-limit.guard';
import { ConfirmSubscriptionCommand } from '../confirm-subscription/confirm-subscription.command';
import { DEFAULT_LEAD_TIMES, normaliseLeadTimes } from '../domain/lead-times';
import { normaliseName } from '../domain/name';
import type { Preferences } from '../domain/subscription';
import { InspectLinkQuery, LinkState } from '../inspect-link/inspect-link.query';
import { SubmitSignUpCommand } from '../sign-up/submit-sign-up.command';
import { UnsubscribeCommand } from '../unsubscribe/unsubscribe.command';
import { SubscribeDto } from './dto';
import type { Locale, MessageId } from '../../../common/i18n/i18n';
import { LinkKind, PAGE_CSP, confirmPage, outcomePage, pageLocale, unsubscribePage } from './link-pages';

const sorted = (xs: string[] | undefined): string[] => [...new Set(xs ?? [])].sort();

function token(t: unknown): string {
  if (typeof t !== 'string' || !t) throw new ProblemException(400, 'LINK_INVALID', 'token: the link has no token', [{ field: 'token', message: 'is required' }]);
  return t;
}

/** Why a link cannot work, as a problem (JSON callers, English `detail`) and as a page (people, in their language). */
const REFUSALS: Record<'expired' | 'invalid' | 'gone', { status: number; code: string; detail: string; title: MessageId; message: MessageId }> = {
  expired: {
    status: 410,
    code: 'LINK_EXPIRED',
    detail: 'this confirmation link has expired (links work for 7 days); subscribe again to get a new one',
    title: 'page.expired.title',
    message: 'page.expired.message',
  },
  invalid: {
    status: 400,
    code: 'LINK_INVALID',
    detail: 'this link is not valid; it may have been cut short: open it again from the email',
    title: 'page.invalid.title',
    message: 'page.invalid.message',
  },
  gone: {
    status: 410,
    code: 'LINK_GONE',
    detail: 'the subscription was cancelled or erased after this link was sent; subscribe again to get a new one',
    title: 'page.gone.title',
    message: 'page.gone.message',
  },
};

/** The refusal a handler's error stands for; anything else is not a link problem. */
function refusalOf(err: unknown): keyof typeof REFUSALS | null {
  if ((err instanceof ProblemException || err instanceof DomainError) && err.code === 'LINK_EXPIRED') return 'expired';
  if ((err instanceof ProblemException || err instanceof DomainError) && err.code === 'LINK_INVALID') return 'invalid';
  if (err instanceof DomainError && ['SUBSCRIPTION_ERASED', 'CONFIRMATION_SUPERSEDED', 'SUBSCRIPTION_NOT_FOUND'].includes(err.code)) return 'gone';
  return null;
}

/** A person's browser (form button) gets a page; an API client or a mail provider gets JSON. */
const wantsPage = (req: FastifyRequest): boolean => accepts(req.raw).type(['json', 'html']) === 'html';

/** The page's language follows Accept-Language: caches must keep one copy per language (they keep none: no-store). */
const pageHeaders = (locale: Locale) => ({ 'Content-Security-Policy': PAGE_CSP, 'Cache-Control': 'no-store', 'Content-Language': locale, Vary: 'Accept-Language' });

function page(res: FastifyReply, status: number, html: string, locale: Locale): string {
  void res.code(status).type('text/html; charset=utf-8').headers(pageHeaders(locale));
  return html;
}

const refusalPage = (r: { title: MessageId; message: MessageId }, locale: Locale) => outcomePage(r.title, r.message, locale);

/**
 * Sign-ups draw from the tight `subscriptions` limit; the signed links (confirm, unsubscribe)
 * from the generous `links` one: one-click unsubscribes arrive from mail providers' servers,
 * many users behind one address, and must not be refused.
 *
 * A GET of a link never changes anything (mail scanners fetch every link in every message):
 * it shows a page whose one button POSTs to the same URL, and the POST acts.
 */
@Controller('v1/subscriptions')
@RateLimit('links')
export class SubscriptionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  /**
   * 202 with the same answer, headers included, whether the address is new, pending, confirmed
   * or unsubscribed: the request is sealed and queued, and looked at only by a worker, so
   * neither the answer nor its timing depends on what is known about the address.
   */
  @Post()
  @Public()
  @RateLimit('subscriptions')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SubscriptionAcceptedSchema, description: 'the same answer whether or not the address is known' })
  async subscribe(@Body() dto: SubscribeDto, @Req() req: AuthenticatedRequest) {
    const preferences: Preferences = {
      countries: sorted(dto.countries),
      programmes: sorted(dto.programmes),
      eventIds: sorted(dto.eventIds),
      leadTimes: normaliseLeadTimes(dto.leadTimes ?? [...DEFAULT_LEAD_TIMES]),
      locale: dto.locale ?? 'en',
    };
    await this.commands.execute(new SubmitSignUpCommand({ email: dto.email, name: normaliseName(dto.name), preferences, metadata: commandMetadata(req) }));
    return { status: 'accepted', detail: 'if this address can subscribe, a confirmation email is on its way; follow its link within 7 days' };
  }

  @Get('confirm')
  @Public()
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'a page with a button that POSTs to the same URL (a GET changes nothing)', content: { 'text/html': { schema: { type: 'string' } } } })
  async confirmPage(@Query('token') t: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    return this.linkPage('confirm', t, req, res);
  }

  /** The button of the confirm page (or an API client): confirms, and applies the link's preferences. */
  @Post('confirm')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SubscriptionConfirmedSchema, description: 'JSON for a program; a page when the browser asks for text/html' })
  @Consumes('application/x-www-form-urlencoded', 'application/json', 'text/plain')
  async confirm(@Query('token') t: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply) {
    try {
      const r = await this.commands.execute(new ConfirmSubscriptionCommand(token(t), commandMetadata(req)));
      if (wantsPage(req)) {
        const locale = pageLocale(req);
        return r.changed
          ? page(res, 200, outcomePage('page.confirmed.title', 'page.confirmed.message', locale), locale)
          : page(res, 200, outcomePage('page.alreadyConfirmed.title', 'page.alreadyConfirmed.message', locale), locale);
      }
      res.header('X-Log-Position', r.position);
      return { subscriptionId: r.subscriptionId, status: r.status, changed: r.changed };
    } catch (err) {
      throw this.refused(err, req);
    }
  }

  @Get('unsubscribe')
  @Public()
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'a page with a button that POSTs to the same URL (a GET changes nothing)', content: { 'text/html': { schema: { type: 'string' } } } })
  async unsubscribePage(@Query('token') t: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) res: FastifyReply): Promise<string> {
    return this.linkPage('unsubscribe', t, req, res);
  }

  /**
   * The button of the unsubscribe page, and RFC 8058 one-click: the mail client POSTs
   * `List-Unsubscribe=One-Click` as a form, with no cookie and no Authorization header; the
   * signed token in the URL is the only credential.
   */
  @Post('unsubscribe')
  @Public()
  @HttpCode(200)
  @ApiBody({
    required: false,
    description: 'RFC 8058: `List-Unsubscribe=One-Click` as a form',
    schema: { type: 'object', properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } } },
  })
  @ApiOkResponse({ type: UnsubscribedSchema, description: 'JSON for a program; a page when the browser asks for text/html' })
  @Consumes('application/x-www-form-urlencoded', 'application/json', 'text/plain')
  async unsubscribe(@Query('token') t: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const oneClick = (req.body as Record<string, unknown> | undefined)?.['List-Unsubscribe'] === 'One-Click';
    try {
      await this.commands.execute(new UnsubscribeCommand(token(t), oneClick ? 'one-click' : 'link', commandMetadata(req)));
    } catch (err) {
      throw this.refused(err, req);
    }
    if (wantsPage(req)) {
      const locale = pageLocale(req);
      return page(res, 200, outcomePage('page.unsubscribed.title', 'page.unsubscribed.message', locale), locale);
    }
    return { status: 'unsubscribed' };
  }

  private async linkPage(kind: LinkKind, t: unknown, req: FastifyRequest, res: FastifyReply): Promise<string> {
    const s: LinkState = typeof t === 'string' && t ? await this.queries.execute(new InspectLinkQuery(kind, t)) : { state: 'invalid' };
    const locale = pageLocale(req);
    switch (s.state) {
      case 'ready':
        return page(res, 200, kind === 'confirm' ? confirmPage(t as string, s.preferences, locale) : unsubscribePage(t as string, locale), locale);
      case 'done':
        return kind === 'confirm'
          ? page(res, 200, outcomePage('page.alreadyConfirmed.title', 'page.alreadyConfirmed.done', locale), locale)
          : page(res, 200, outcomePage('page.unsubscribed.title', 'page.unsubscribed.done', locale), locale);
      default: {
        const r = REFUSALS[s.state];
        return page(res, r.status, refusalPage(r, locale), locale);
      }
    }
  }

  /** A link that cannot work: a page for a person, a problem for a program; other errors pass. */
  private refused(err: unknown, req: FastifyRequest): unknown {
    const kind = refusalOf(err);
    if (!kind) return err;
    const r = REFUSALS[kind];
    if (wantsPage(req)) {
      const locale = pageLocale(req);
      return new HtmlPageException(r.status, refusalPage(r, locale), pageHeaders(locale));
    }
    return new ProblemException(r.status, err instanceof DomainError ? err.code : r.code, r.detail);
  }
}
