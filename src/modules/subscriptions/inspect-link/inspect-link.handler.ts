import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DomainError } from '../../../common/domain/domain-error';
import { aggregate } from '../../../events/aggregate';
import { EventStore } from '../../../events/event-store.port';
import { subscriptionStream } from '../domain/events';
import { type Preferences, SubscriptionCommand, subscriptionDecider } from '../domain/subscription';
import { SubscriptionLinks } from '../subscription-links';
import { InspectLinkQuery, LinkState } from './inspect-link.query';

/** Runs the decider on the current state as the POST would, and appends nothing. */
@QueryHandler(InspectLinkQuery)
export class InspectLinkHandler implements IQueryHandler<InspectLinkQuery> {
  constructor(
    private readonly links: SubscriptionLinks,
    private readonly store: EventStore,
  ) {}

  async execute(q: InspectLinkQuery): Promise<LinkState> {
    let id: string;
    let command: SubscriptionCommand;
    let preferences: Preferences | null = null;
    if (q.kind === 'confirm') {
      const claims = await this.links.verifyConfirm(q.token);
      if ('error' in claims) return { state: claims.error };
      id = claims.subscriptionId;
      command = { kind: 'confirm', preferences: claims.preferences, issuedAtVersion: claims.version };
      preferences = claims.preferences;
    } else {
      const claims = await this.links.verifyUnsubscribe(q.token);
      if ('error' in claims) return { state: claims.error };
      id = claims.subscriptionId;
      command = { kind: 'unsubscribe', reason: 'link' };
    }
    const { state } = await aggregate(this.store, subscriptionStream(id), subscriptionDecider);
    try {
      return subscriptionDecider.decide(state, command).length ? { state: 'ready', preferences } : { state: 'done' };
    } catch (err) {
      if (err instanceof DomainError) return { state: 'gone' };
      throw err;
    }
  }
}
