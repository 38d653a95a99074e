import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import type { SyncPoint } from '../read-model/calendar.read-model';
import type { EventPage } from './list-events.query';

/** Rough bytes of a page held in memory (a representation is a few hundred bytes of strings). */
const pageBytes = (p: EventPage): number => 512 + p.items.length * 1024;

/**
 * Finished pages of GET /v1/events, per API process, keyed by the request AND the version of the
 * view they were read from (its generation and highest change_seq). Any write to the view raises
 * its version, so a page is only ever reused while the view is exactly as it was: no TTL, no
 * invalidation messages, nothing stale. A hit costs one index-only query for the version instead
 * of reading and serialising a hundred wide rows (README, Benchmarks: query).
 */
@Injectable()
export class ListPageCache {
  private readonly pages: LRUCache<string, EventPage> | null;
  private readonly listeners: ((hit: boolean) => void)[] = [];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const maxSize = Math.floor(config.LIST_CACHE_MB * 1024 * 1024);
    this.pages = maxSize > 0 ? new LRUCache<string, EventPage>({ maxSize, sizeCalculation: pageBytes }) : null;
  }

  get enabled(): boolean {
    return this.pages !== null;
  }

  get(request: string, version: SyncPoint): EventPage | undefined {
    const page = this.pages?.get(key(request, version));
    for (const l of this.listeners) l(page !== undefined);
    return page;
  }

  /** Hits and misses, for /metrics (the ops module subscribes; this module knows nothing of it). */
  onLookup(listener: (hit: boolean) => void): void {
    this.listeners.push(listener);
  }

  set(request: string, version: SyncPoint, page: EventPage): void {
    this.pages?.set(key(request, version), page);
  }
}

const key = (request: string, v: SyncPoint): string => `${v.generation}|${v.seq}|${request}`;
