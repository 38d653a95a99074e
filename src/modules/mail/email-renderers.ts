import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { EMAIL_RENDERER, EmailRenderer } from './mail.types';

/** Every kind of email in the process, found by @RegisterEmailRenderer() like projections. */
@Injectable()
export class EmailRenderers implements OnModuleInit {
  private readonly byKind = new Map<string, EmailRenderer>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const { instance, metatype } of this.discovery.getProviders()) {
      if (!instance || !metatype || !this.reflector.get<boolean>(EMAIL_RENDERER, metatype)) continue;
      const r = instance as EmailRenderer;
      if (this.byKind.has(r.kind)) throw new Error(`two email renderers for kind ${r.kind}`);
      this.byKind.set(r.kind, r);
    }
  }

  get(kind: string): EmailRenderer | undefined {
    return this.byKind.get(kind);
  }
}
