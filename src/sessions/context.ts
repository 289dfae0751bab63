import type { Clock } from '../clock.js';
import type { GeoLookup } from '../enrich/types.js';
import type { UserAgentParser } from '../enrich/user-agent/index.js';
import type { ActivityBuffer } from './live-state/activity-buffer.js';
import type { ListCache } from './live-state/list-cache.js';
import type { StateCache } from './live-state/state-cache.js';
import type { SessionMetrics } from './metrics.js';
import type { ActivityFlushesRepository } from './repositories/activity-flushes.js';
import type { AddressRetentionRepository } from './repositories/address-retention.js';
import type { AdmissionsRepository } from './repositories/admissions.js';
import type { BatchEndsRepository } from './repositories/batch-ends.js';
import type { IncidentsRepository } from './repositories/incidents.js';
import type { SessionDetailsRepository } from './repositories/session-details.js';
import type { SessionEndsRepository } from './repositories/session-ends.js';
import type { SessionEventsRepository } from './repositories/session-events.js';
import type { SessionListsRepository } from './repositories/session-lists.js';
import type { SessionReviewsRepository } from './repositories/session-reviews.js';
import type { SessionsRepository } from './repositories/sessions.js';
import type { UserDataRepository } from './repositories/user-data.js';
import type { LimitPolicy } from './vocabulary.js';

export interface SessionRepositories {
  sessions: SessionsRepository;
  lists: SessionListsRepository;
  ends: SessionEndsRepository;
  events: SessionEventsRepository;
  flushes: ActivityFlushesRepository;
  admissions: AdmissionsRepository;
  batchEnds: BatchEndsRepository;
  reviews: SessionReviewsRepository;
  details: SessionDetailsRepository;
  userData: UserDataRepository;
  incidents: IncidentsRepository;
  retention: AddressRetentionRepository;
}

export interface SessionLimits {
  idleTimeoutSeconds: number;
  maxAgeSeconds: number;
  historyRetentionSeconds: number;
  lifetimeLimitSeconds: number;
  /** Active sessions a user may hold (0: no limit), and what a login beyond it does. */
  maxPerUser: number;
  limitPolicy: LimitPolicy;
  /** Ended this long ago, a session's addresses are replaced by their networks. */
  ipRetentionSeconds: number;
}

/** What every behaviour of the feature works with; built once in index.ts. */
export interface SessionsContext {
  repositories: SessionRepositories;
  cache: StateCache;
  activity: ActivityBuffer;
  /** Users' active-session list pages, kept for a moment (see list-cache.ts). */
  lists: ListCache;
  /**
   * The revocation feed: `whole` while every end is heard (the cache may be filled); `trusted` while
   * the cache may answer for the sessions it holds (whole, or lost for less than the grace).
   */
  feed: { readonly whole: boolean; readonly trusted: boolean };
  clock: Clock;
  geo: GeoLookup;
  userAgents: UserAgentParser;
  metrics: SessionMetrics;
  limits: SessionLimits;
}
