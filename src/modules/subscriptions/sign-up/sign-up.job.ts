import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Job } from 'bullmq';
import { JOBS, QUEUES } from '../../../jobs/catalog';
import { HandlesJob, JobHandler } from '../../../jobs/job-handler';
import { RequestSubscriptionCommand } from '../request-subscription/request-subscription.command';
import { SignUpJobData, SignUpSealer } from './sign-up.payload';

/** Opens a queued sign-up and runs it; a failure is retried by BullMQ (the handler is idempotent per address). */
@Injectable()
@JobHandler(QUEUES.subscriptions, JOBS.subscriptions.signUp)
export class SignUpJob implements HandlesJob<SignUpJobData, string> {
  constructor(
    private readonly sealer: SignUpSealer,
    private readonly commands: CommandBus,
  ) {}

  async handle(job: Job<SignUpJobData>): Promise<string> {
    const s = this.sealer.open(job.data);
    const r = await this.commands.execute(new RequestSubscriptionCommand(s.email, s.name, s.preferences, s.metadata));
    return r.confirmationSent ? 'sent' : 'capped';
  }
}
