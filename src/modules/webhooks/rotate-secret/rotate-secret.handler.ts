import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { PREVIOUS_SECRET_OVERLAP_MS } from '../domain/endpoint';
import { EndpointWithSecret, endpointView } from '../endpoint-view';
import { EndpointsRepository } from '../endpoints.repository';
import { newSecret } from '../url-policy';
import { RotateSecretCommand } from './rotate-secret.command';

/** Receivers switch to the new secret at their pace: for 24 h every delivery carries both signatures. */
@CommandHandler(RotateSecretCommand)
export class RotateSecretHandler implements ICommandHandler<RotateSecretCommand> {
  constructor(private readonly endpoints: EndpointsRepository) {}

  async execute(c: RotateSecretCommand): Promise<EndpointWithSecret> {
    const secret = newSecret();
    const e = await this.endpoints.rotate(c.id, secret, new Date(Date.now() + PREVIOUS_SECRET_OVERLAP_MS));
    if (!e) throw new DomainError('not-found', 'WEBHOOK_NOT_FOUND', 'no such webhook endpoint');
    return { ...endpointView(e), secret };
  }
}
