import type { Migration } from 'kysely';
import * as createSessions from './20261123150000_create_sessions.js';
import * as sessionsExpiryCheck from './20261201220000_sessions_expiry_check.js';
import * as sessionsNetwork from './20261202090000_sessions_network.js';
import * as accountControls from './20261204090000_account_controls.js';
import * as eventsOutbox from './20261215090000_events_outbox.js';
import * as endedTrigger from './20261220300000_ended_trigger.js';

// Listed explicitly so the compiled image and the TypeScript sources run the same set, with no
// directory scanning. Names are timestamps: Kysely applies them in this order.
export const migrations: Record<string, Migration> = {
  '20261123150000_create_sessions': createSessions,
  '20261201220000_sessions_expiry_check': sessionsExpiryCheck,
  '20261202090000_sessions_network': sessionsNetwork,
  '20261204090000_account_controls': accountControls,
  '20261215090000_events_outbox': eventsOutbox,
  '20261220300000_ended_trigger': endedTrigger,
};
