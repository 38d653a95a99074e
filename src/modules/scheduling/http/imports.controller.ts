import { ApiBody, ApiOkResponse } from '@nestjs/swagger';
import { ImportReportSchema } from '../event-representation.schemas';
import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CommandBus } from '@nestjs/cqrs';
import { Consumes } from '../../../common/http/content-type.guard';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { AuthenticatedRequest, Roles } from '../../../common/http/access';
import { ImportListingCommand } from '../import-listing/import-listing.command';

const LISTING_BODY = {
  description: 'the listing as text, in its "When Where" format',
  schema: { type: 'string', example: 'When Where\n22-25 October 2013 Seoul, Republic of Korea\n7th International Conference on Theory and Practice of Electronic Governance\n' },
};

@Controller('v1/imports')
export class ImportsController {
  constructor(private readonly commands: CommandBus) {}

  /** text/plain in the listing's "When Where" format; 200 with created/skipped/failed rows. */
  @Post()
  @Roles('staff')
  @Consumes('text/plain')
  @HttpCode(200)
  @ApiBody(LISTING_BODY)
  @ApiOkResponse({ type: ImportReportSchema, description: 'what was created, skipped (already imported) and failed, by line' })
  async import(@Body() body: unknown, @Req() req: AuthenticatedRequest, @Res({ passthrough: true }) res: FastifyReply) {
    const { position, ...report } = await this.run(body, req, false);
    if (position !== '0') res.header('X-Log-Position', position);
    return report;
  }

  /**
   * The same report as the import would give now, appending nothing: every row decided on its
   * stream by the same path. A route of its own (not a query flag) so an Idempotency-Key, which
   * is bound to the route, can never replay a preview as the import.
   */
  @Post('preview')
  @Roles('staff')
  @Consumes('text/plain')
  @HttpCode(200)
  @ApiBody(LISTING_BODY)
  @ApiOkResponse({ type: ImportReportSchema, description: 'what the import would create, skip (already imported) and fail, by line; nothing is appended' })
  async preview(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { position: _none, ...report } = await this.run(body, req, true);
    return report;
  }

  private async run(body: unknown, req: AuthenticatedRequest, preview: boolean) {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'the body must be the listing as text/plain', [{ field: 'body', message: 'must be non-empty text/plain' }]);
    }
    const { position, ...report } = await this.commands.execute(new ImportListingCommand(body, commandMetadata(req), undefined, preview));
    return { position, summary: { created: report.created.length, skipped: report.skipped.length, failed: report.failed.length }, ...report };
  }
}
