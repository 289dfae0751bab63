import type { Location } from '../enrich/types.js';
import { assessRisk, type RiskHistoryItem } from '../risk/assess.js';
import type { Risk } from '../enrich/types.js';
import type { SessionsContext } from './context.js';
import type { HistoryRow } from './repositories/session-lists.js';

/** Past sessions weighed for a sign-in: enough for every signal, bounded so a login stays fast. */
const HISTORY_LIMIT = 500;

/** The risk signals of a sign-in (or of a session on a new network) against the user's other sessions. */
export async function assessAgainstHistory(
  ctx: SessionsContext,
  userId: string,
  excludeId: string | null,
  candidate: { at: Date; deviceKey: string; isBot: boolean; location: Location | null },
  extra: RiskHistoryItem[] = [],
): Promise<Risk> {
  const rows = await ctx.repositories.lists.history(userId, excludeId, HISTORY_LIMIT);
  return assessRisk(candidate, extra.concat(rows.map(historyItem)));
}

/**
 * What a past session teaches about the user. A device or a country first seen in a session that
 * was flagged for it becomes known once the user confirms that session ("Yes, it was me"), so it
 * is flagged until then. A reported session ("This wasn't me") teaches nothing: neither its
 * device nor its place, nor its hour, nor a position to travel from; it only shows the account
 * has history.
 */
function historyItem(row: HistoryRow): RiskHistoryItem {
  const base = {
    id: row.id,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    endedAt: row.ended_at,
    deviceKey: row.device_key,
  };
  if (row.review_state === 'reported') return { ...base, location: null, deviceKnown: false, countryKnown: false };
  const confirmed = row.review_state === 'confirmed';
  const flags = Array.isArray(row.flags) ? row.flags : [];
  return {
    ...base,
    location: row.location,
    deviceKnown: confirmed || !flags.includes('new_device'),
    countryKnown: confirmed || !flags.includes('new_country'),
  };
}
