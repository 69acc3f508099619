/**
 * proxy/: OpenAI-compatible forwarding for `POST /v1/chat/completions`: upstreams per provider from
 * env, one classified upstream call, the failover loop over the router's ranking, SSE pass-through.
 */
export * from './upstream-config.js';
export * from './cooldown.js';
export * from './candidates.js';
export * from './failover.js';
export * from './pending-work.js';
export * from './scrub.js';
export { failoverClass, type FailureClass } from './upstream-call.js';
export { SseSplitter, chunkFacts, eventData, type ChunkFacts, type UpstreamUsage } from './sse.js';
