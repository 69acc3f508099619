import { RouterError } from '../core/index.js';
import type { RoutingService } from '../service/index.js';
import type { Principal } from './auth.js';

/** What a routing endpoint needs to admit a request. */
export interface RoutingAccess {
  readonly service: () => RoutingService | undefined;
  readonly principal: (headers: Readonly<Record<string, unknown>>) => Principal | undefined;
  /** Anonymous callers may route (feedback always needs a key). */
  readonly allowAnonymous: boolean;
}

/** The routing service, or EMBEDDER_UNAVAILABLE (503) while models are still loading. */
export function readyService(service: () => RoutingService | undefined): RoutingService {
  const ready = service();
  if (ready === undefined)
    throw new RouterError('EMBEDDER_UNAVAILABLE', 'the router is still loading');
  return ready;
}

/** The caller (undefined when anonymous and allowed) and the ready service; UNAUTHORIZED otherwise. */
export function admitRouting(
  access: RoutingAccess,
  headers: Readonly<Record<string, unknown>>,
): { principal: Principal | undefined; service: RoutingService } {
  const principal = access.principal(headers);
  if (principal === undefined && !access.allowAnonymous) {
    throw new RouterError('UNAUTHORIZED', 'an API key is required (Authorization: Bearer <key>)');
  }
  return { principal, service: readyService(access.service) };
}
