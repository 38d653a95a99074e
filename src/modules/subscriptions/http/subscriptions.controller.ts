import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { Consumes } from '../../../common/http/content-type.guard';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { DomainError } from '../../../common/domain/domain-error';
import { AuthenticatedRequest, Public } from '../../../common/http/access';
import { RateLimit } from '../../../ops/rate-limit.guard';
import { ConfirmSubscriptionCommand } from '../confirm-subscription/confirm-subscription.command';
import { DEFAULT_LEAD_TIMES, normaliseLeadTimes } from '../domain/lead-times';
import type { Preferences } from '../domain/subscription';
import { RequestSubscriptionCommand } from '../request-subscription/request-subscription.command';
import { UnsubscribeCommand } from '../unsubscribe/unsubscribe.command';
import { SubscribeDto } from './dto';

const sorted = (xs: string[] | undefined): string[] => [...new Set(xs ?? [])].sort();

function token(t: unknown): string {
  if (typeof t !== 'string' || !t) throw new ProblemException(400, 'VALIDATION_FAILED', 'token: the link has no token', [{ field: 'token', message: 'is required' }]);
  return t;
}

/** A link that once worked and no longer can: 410, as for an expired one. */
async function gone<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof DomainError && ['SUBSCRIPTION_ERASED', 'CONFIRMATION_SUPERSEDED', 'SUBSCRIPTION_NOT_FOUND'].includes(err.code)) {
      throw new ProblemException(410, err.code, err.message);
    }
    throw err;
  }
}

/**
 * Sign-ups draw from the tight `subscriptions` limit; the signed links (confirm, unsubscribe)
 * from the generous `links` one: one-click unsubscribes arrive from mail providers' servers,
 * many users behind one address, and must not be refused.
 */
@Controller('v1/subscriptions')
@RateLimit('links')
export class SubscriptionsController {
  constructor(private readonly commands: CommandBus) {}

  /** 202 with the same answer whether or not the address is known, so nobody can probe it. */
  @Post()
  @Public()
  @RateLimit('subscriptions')
  @HttpCode(202)
  async subscribe(@Body() dto: SubscribeDto, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const preferences: Preferences = {
      countries: sorted(dto.countries),
      programmes: sorted(dto.programmes),
      eventIds: sorted(dto.eventIds),
      leadTimes: normaliseLeadTimes(dto.leadTimes ?? [...DEFAULT_LEAD_TIMES]),
      locale: dto.locale ?? 'en',
    };
    const r = await this.commands.execute(new RequestSubscriptionCommand(dto.email, dto.name?.trim() || null, preferences, commandMetadata(req)));
    res.setHeader('X-Log-Position', r.position);
    return { status: 'accepted', detail: 'if this address can subscribe, a confirmation email is on its way; follow its link within 7 days' };
  }

  @Get('confirm')
  @Public()
  async confirm(@Query('token') t: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: Response) {
    const r = await gone(() => this.commands.execute(new ConfirmSubscriptionCommand(token(t), commandMetadata(req))));
    res.setHeader('X-Log-Position', r.position);
    return { subscriptionId: r.subscriptionId, status: r.status, changed: r.changed };
  }

  @Get('unsubscribe')
  @Public()
  async unsubscribeLink(@Query('token') t: unknown, @Req() req: AuthenticatedRequest) {
    await this.commands.execute(new UnsubscribeCommand(token(t), 'link', commandMetadata(req)));
    return { status: 'unsubscribed' };
  }

  /**
   * RFC 8058 one-click: the mail client POSTs `List-Unsubscribe=One-Click` as a form, with no
   * cookie and no Authorization header; the signed token in the URL is the only credential.
   */
  @Post('unsubscribe')
  @Public()
  @HttpCode(200)
  @Consumes('application/x-www-form-urlencoded', 'application/json', 'text/plain')
  async unsubscribeOneClick(@Query('token') t: unknown, @Req() req: AuthenticatedRequest) {
    await this.commands.execute(new UnsubscribeCommand(token(t), 'one-click', commandMetadata(req)));
    return { status: 'unsubscribed' };
  }
}
