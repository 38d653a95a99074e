import { Query } from '@nestjs/cqrs';
import type { Preferences } from '../domain/subscription';
import type { LinkKind } from '../http/link-pages';

/**
 * What following a link would do, without doing it (GET of a link): `ready` (the button would
 * change something), `done` (nothing left to do), or why the link cannot work.
 */
export type LinkState = { state: 'ready'; preferences: Preferences | null } | { state: 'done' } | { state: 'expired' | 'invalid' | 'gone' };

export class InspectLinkQuery extends Query<LinkState> {
  constructor(
    readonly kind: LinkKind,
    readonly token: string,
  ) {
    super();
  }
}
