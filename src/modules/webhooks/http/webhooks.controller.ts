import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '../../../common/http/access';
import { uuidParam } from '../../../common/http/params';
import { ChangeEndpointCommand } from '../change-endpoint/change-endpoint.command';
import { CreateEndpointCommand } from '../create-endpoint/create-endpoint.command';
import { DeleteEndpointCommand } from '../delete-endpoint/delete-endpoint.command';
import { checkDescription } from '../domain/endpoint';
import { GetEndpointQuery } from '../get-endpoint/get-endpoint.query';
import { ListDeliveriesQuery } from '../list-deliveries/list-deliveries.query';
import { ListEndpointsQuery } from '../list-endpoints/list-endpoints.query';
import { ReplayEndpointCommand } from '../replay-endpoint/replay-endpoint.command';
import { RotateSecretCommand } from '../rotate-secret/rotate-secret.command';
import {
  ChangeWebhookDto,
  CreateWebhookDto,
  ReplayWebhookDto,
  WebhookDeliveriesQueryDto,
  WebhookDeliveryListDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
  WebhookEndpointWithSecretDto,
} from './dto';

const endpointId = (id: string) => uuidParam(id, 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');

/** Webhook endpoints, for admins: each a consumer of the log with its own cursor. */
@Controller('v1/admin/webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @ApiResponse({ status: 201, type: WebhookEndpointWithSecretDto, description: 'The endpoint, with its secret (shown this once)' })
  async create(@Body() body: CreateWebhookDto, @Res({ passthrough: true }) res: FastifyReply) {
    const e = await this.commands.execute(new CreateEndpointCommand(body.url, body.eventTypes ?? [], checkDescription(body.description ?? null)));
    res.header('Location', `/v1/admin/webhooks/${e.id}`);
    return e;
  }

  @Get()
  @ApiResponse({ status: 200, type: WebhookEndpointListDto })
  list() {
    return this.queries.execute(new ListEndpointsQuery());
  }

  @Get(':id')
  @ApiResponse({ status: 200, type: WebhookEndpointDto })
  get(@Param('id') id: string) {
    return this.queries.execute(new GetEndpointQuery(endpointId(id)));
  }

  @Patch(':id')
  @ApiResponse({ status: 200, type: WebhookEndpointDto })
  change(@Param('id') id: string, @Body() body: ChangeWebhookDto) {
    const description = body.description === undefined ? {} : { description: checkDescription(body.description) };
    return this.commands.execute(new ChangeEndpointCommand(endpointId(id), { url: body.url, eventTypes: body.eventTypes, status: body.status, ...description }));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id') id: string): Promise<void> {
    await this.commands.execute(new DeleteEndpointCommand(endpointId(id)));
  }

  /** A new secret; the old one keeps signing alongside for 24 h. */
  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiResponse({ status: 200, type: WebhookEndpointWithSecretDto, description: 'The endpoint, with its new secret (shown this once)' })
  rotate(@Param('id') id: string) {
    return this.commands.execute(new RotateSecretCommand(endpointId(id)));
  }

  @Get(':id/deliveries')
  @ApiResponse({ status: 200, type: WebhookDeliveryListDto })
  deliveries(@Param('id') id: string, @Query() q: WebhookDeliveriesQueryDto) {
    return this.queries.execute(new ListDeliveriesQuery(endpointId(id), q.limit ?? 100, q.before));
  }

  /** 202: the cursor is set after `fromPosition`; the events after it are sent again, in order. */
  @Post(':id/replay')
  @HttpCode(202)
  @ApiResponse({ status: 202, type: WebhookEndpointDto })
  replay(@Param('id') id: string, @Body() body: ReplayWebhookDto) {
    return this.commands.execute(new ReplayEndpointCommand(endpointId(id), body.fromPosition));
  }
}
