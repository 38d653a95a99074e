import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { PROJECTION_METADATA, Projection } from './projection';

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
      if (!instance || !metatype || !this.reflector.get<boolean | undefined>(PROJECTION_METADATA, metatype)) continue;
      const p = instance as Projection;
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
