import type { Location } from '../enrich/types.js';
import { assessRisk, type RiskHistoryItem } from '../risk/assess.js';
import type { Risk } from '../enrich/types.js';
import type { SessionsContext } from './context.js';

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
  const history = extra.concat(
    rows.map((r) => ({ id: r.id, createdAt: r.created_at, lastActiveAt: r.last_active_at, endedAt: r.ended_at, deviceKey: r.device_key, location: r.location })),
  );
  return assessRisk(candidate, history);
}
