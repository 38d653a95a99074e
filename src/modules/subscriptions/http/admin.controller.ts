import { ApiAcceptedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { DeliveryListSchema, DeliverySchema } from './subscriptions.schemas';
import { Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { commandMetadata } from '../../../common/http/request-context';
import { AuthenticatedRequest, Roles } from '../../../common/http/access';
import { uuidParam } from '../../../common/http/params';
import { Deliveries, Delivery } from '../../mail/deliveries';
import { RetryDeliveryCommand } from '../../mail/retry-delivery/retry-delivery.command';
import { EraseSubscriberCommand } from '../erase-subscriber/erase-subscriber.command';
import { SubscriberDirectory } from '../subscriber-directory';
import { DeliveriesQueryDto } from './dto';

@Controller('v1/admin')
export class SubscriptionsAdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly deliveries: Deliveries,
    private readonly directory: SubscriberDirectory,
  ) {}

  /** Right to be forgotten: the data key is destroyed; the log stays as it is, unreadable. */
  @Delete('subscriptions/:id')
  @Roles('admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'erased (also when it was already erased)' })
  async erase(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<void> {
    await this.commands.execute(new EraseSubscriberCommand(uuidParam(id, 'SUBSCRIPTION_NOT_FOUND', 'no such subscription'), commandMetadata(req)));
  }

  /** "Why did this person get, or not get, this email": by address (keyed hash) and/or event. */
  @Get('deliveries')
  @Roles('admin')
  @ApiOkResponse({ type: DeliveryListSchema })
  async list(@Query() q: DeliveriesQueryDto) {
    const subscriptionIds = q.email ? await this.directory.idsByEmail(q.email) : undefined;
    const items = subscriptionIds?.length === 0 ? [] : await this.deliveries.list({ subscriptionIds, eventId: q.eventId?.toLowerCase(), limit: q.limit ?? 100 });
    return { items };
  }

  /** A failed delivery (SMTP refused for good, or every attempt used) sent again, once; 202 with the row as it now stands. */
  @Post('deliveries/:key/retry')
  @Roles('admin')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: DeliverySchema, description: 'queued again; the row as it now stands' })
  retry(@Param('key') key: string, @Req() req: AuthenticatedRequest): Promise<Delivery> {
    return this.commands.execute(new RetryDeliveryCommand(key, commandMetadata(req).actor));
  }
}
