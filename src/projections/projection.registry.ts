import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { EVENT_BY_EVENT, EventByEventProjection, PROJECTION_METADATA, Projection, eventByEvent } from './projection';

/** Every projection of the running process, found by the @RegisterProjection() decorator. */
@Injectable()
export class ProjectionRegistry implements OnModuleInit {
  private readonly byName = new Map<string, Projection>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      const kind = instance && metatype ? this.reflector.get<boolean | typeof EVENT_BY_EVENT | undefined>(PROJECTION_METADATA, metatype) : undefined;
      if (!kind) continue;
      const p = kind === EVENT_BY_EVENT ? eventByEvent(instance as EventByEventProjection) : (instance as Projection);
      if (this.byName.has(p.name)) throw new Error(`two projections are named ${p.name}`);
      this.byName.set(p.name, p);
    }
  }

  all(): Projection[] {
    return [...this.byName.values()];
  }

  get(name: string): Projection | undefined {
    return this.byName.get(name);
  }
}
