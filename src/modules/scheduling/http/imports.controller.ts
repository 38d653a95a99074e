import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Consumes } from '../../../common/http/content-type.guard';
import { ProblemException } from '../../../common/http/problem';
import { commandMetadata } from '../../../common/http/request-context';
import { AuthenticatedRequest, Roles } from '../../auth/auth.guard';
import { ImportListingCommand } from '../import-listing/import-listing.command';

@Controller('v1/imports')
export class ImportsController {
  constructor(private readonly commands: CommandBus) {}

  /** text/plain in the listing's "When Where" format; 200 with created/skipped/failed rows. */
  @Post()
  @Roles('staff')
  @Consumes('text/plain')
  @HttpCode(200)
  async import(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'the body must be the listing as text/plain', [{ field: 'body', message: 'must be non-empty text/plain' }]);
    }
    const report = await this.commands.execute(new ImportListingCommand(body, commandMetadata(req)));
    return { summary: { created: report.created.length, skipped: report.skipped.length, failed: report.failed.length }, ...report };
  }
}
