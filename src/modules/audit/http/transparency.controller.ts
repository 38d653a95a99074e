import { Body, Controller, Get, Header, HttpCode, Post, Query } from '@nestjs/common';
import { Consumes } from '../../../common/http/content-type.guard';
import { ProblemException } from '../../../common/http/problem';
import { Public, Roles } from '../../../common/http/access';
import { ConsistencyProof, InclusionProof, TransparencyService } from '../transparency/transparency.service';
import type { CheckpointVerification } from '../transparency/verification/compare-log';

const MAX_SIZE = Number.MAX_SAFE_INTEGER;

function count(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value) || Number(value) > MAX_SIZE) {
    throw new ProblemException(400, 'VALIDATION_FAILED', `${field} must be a non-negative integer`, [{ field, message: 'must be a non-negative integer' }]);
  }
  return Number(value);
}

/**
 * The transparency log: signed checkpoints anyone may keep (they reveal a size and a root
 * only), proofs and checks for auditors.
 */
@Controller('v1/audit')
export class TransparencyController {
  constructor(private readonly transparency: TransparencyService) {}

  /** The latest signed checkpoint (a new one if the sealed tree grew since the last). */
  @Get('checkpoint')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async checkpoint(): Promise<string> {
    return (await this.transparency.checkpoint()).note;
  }

  @Get('verifier-key')
  @Public()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async verifierKey(): Promise<string> {
    return `${await this.transparency.verifierKey()}\n`;
  }

  @Get('proof/inclusion')
  @Roles('auditor')
  inclusion(@Query('position') position: unknown, @Query('treeSize') treeSize: unknown): Promise<InclusionProof> {
    return this.transparency.inclusion(String(count('position', position)), count('treeSize', treeSize));
  }

  @Get('proof/consistency')
  @Roles('auditor')
  consistency(@Query('from') from: unknown, @Query('to') to: unknown): Promise<ConsistencyProof> {
    return this.transparency.consistency(count('from', from), count('to', to));
  }

  @Post('verify-checkpoint')
  @Roles('auditor')
  @Consumes('text/plain')
  @HttpCode(200)
  verifyCheckpoint(@Body() body: unknown): Promise<CheckpointVerification> {
    if (typeof body !== 'string' || body.trim() === '') {
      throw new ProblemException(400, 'VALIDATION_FAILED', 'the body must be a signed checkpoint as text/plain', [{ field: 'body', message: 'must be non-empty text/plain' }]);
    }
    return this.transparency.verify(body);
  }
}
