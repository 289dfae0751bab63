import { actorOf, type Caller } from '../auth/caller.js';
import { canonicalIp, parseNetwork } from '../enrich/ip.js';
import { ApiError } from '../errors.js';
import type { SessionsContext } from './context.js';
import { FILTER_FIELDS, type BulkRevokeAnswer, type BulkRevokeInput, type SearchInput } from './control-schemas.js';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';
import type { Endings } from './endings.js';
import type { Page } from './queries.js';
import { matching, type IncidentFilter } from './repositories/incidents.js';
import { SERVICE_VIEWER, storedActivity, toSessionResource } from './resource.js';
import type { SessionResource } from './schemas.js';

type FilterInput = Pick<SearchInput, (typeof FILTER_FIELDS)[number]>;

function invalid(where: string, field: string, message: string): ApiError {
  return new ApiError('validation_failed', `${field} ${message}.`, { errors: [{ path: `${where}/${field}`, message }] });
}

/**
 * The filter a request gives, checked: at least one criterion (unless `mayBeEmpty`), addresses and
 * times well formed.
 */
export function parseFilter(input: FilterInput, where: 'querystring' | 'body', mayBeEmpty = false): IncidentFilter {
  if (!mayBeEmpty && !FILTER_FIELDS.some((field) => input[field] !== undefined)) {
    throw new ApiError('validation_failed', `Give at least one of ${FILTER_FIELDS.join(', ')}.`, {
      errors: [{ path: where, message: 'needs at least one filter' }],
    });
  }
  if (input.ip !== undefined && input.network !== undefined) throw invalid(where, 'network', 'cannot be given with ip');
  const filter: IncidentFilter = {};
  if (input.ip !== undefined) {
    const ip = canonicalIp(input.ip);
    if (ip === null) throw invalid(where, 'ip', 'must be a bare IPv4 or IPv6 address');
    filter.ip = ip;
  }
  if (input.network !== undefined) {
    const network = parseNetwork(input.network);
    if (network === null) throw invalid(where, 'network', 'must be a network in CIDR form, such as 81.2.69.0/24');
    filter.network = network;
  }
  if (input.countryCode !== undefined) filter.countryCode = input.countryCode.toUpperCase();
  if (input.flag !== undefined) filter.flag = input.flag;
  for (const field of ['createdAfter', 'createdBefore'] as const) {
    const text = input[field];
    if (text === undefined) continue;
    const time = Date.parse(text);
    if (!Number.isFinite(time)) throw invalid(where, field, 'must be a date-time');
    filter[field] = new Date(time);
  }
  return filter;
}

/**
 * A filter that matches every user's sessions by construction: none at all, a time range alone, or
 * a /0 network (of either family). A bulk revoke takes one only with `allUsers: true`.
 */
function matchesEveryone(filter: IncidentFilter): boolean {
  const narrowing =
    filter.ip !== undefined ||
    filter.countryCode !== undefined ||
    filter.flag !== undefined ||
    (filter.network !== undefined && !filter.network.cidr.endsWith('/0'));
  return !narrowing;
}

/** Incident search across users, and the revoke of every active session a search matches. */
export function createIncidents(ctx: SessionsContext, endings: Endings) {
  const { repositories, activity, clock } = ctx;

  return {
    async search(input: SearchInput): Promise<Page<SessionResource>> {
      const filter = parseFilter(input, 'querystring');
      const beforeId = input.cursor === undefined ? null : decodeIdCursor(input.cursor);
      const now = clock.now();
      const rows = await repositories.incidents.page(matching(filter, input.status ?? 'all', now), beforeId, input.limit + 1);
      const shown = rows.slice(0, input.limit);
      const last = shown.at(-1);
      return {
        items: shown.map((row) =>
          toSessionResource(row, { now, activity: activity.overlay(row.id, storedActivity(row)), viewer: SERVICE_VIEWER }),
        ),
        nextCursor: rows.length > input.limit && last ? encodeIdCursor(last.id) : null,
      };
    },

    /**
     * Two steps. Without `expectedCount` (or with dryRun) only counts. With it, counts again (up to
     * expectedCount + 1) and refuses when more match; otherwise ends the sessions that match and are
     * active when the call begins, in batches, never more than expectedCount of them (a session that
     * comes to match between the count and the end cannot push the total past it). Sessions that
     * sign in while it runs are left alone.
     */
    async revoke(input: BulkRevokeInput, caller: Caller): Promise<BulkRevokeAnswer> {
      const filter = parseFilter(input, 'body', input.allUsers);
      if (!input.allUsers && matchesEveryone(filter)) {
        const message = "matches every user's sessions (no filter, a time range alone, or a /0 network); state allUsers: true to mean it";
        throw new ApiError('validation_failed', `The filter ${message}.`, { errors: [{ path: 'body/allUsers', message }] });
      }
      const now = clock.now();
      const until = new Date(now.getTime() + 1);
      const match = matching(
        { ...filter, createdBefore: filter.createdBefore && filter.createdBefore < until ? filter.createdBefore : until },
        'active',
        now,
      );
      const expected = input.expectedCount;
      if (input.dryRun || expected === undefined) return { matched: await repositories.incidents.count(match), revoked: 0, dryRun: true };
      const matched = await repositories.incidents.countUpTo(match, expected + 1);
      if (matched > expected) {
        const current = await repositories.incidents.count(match);
        throw new ApiError(
          'more_sessions_match',
          `${current} active sessions match, more than the expectedCount of ${expected}; nothing was ended. Check the filter, then send the new count.`,
          { matched: current },
        );
      }
      const revoked = await endings.endMatchingUpTo(match, expected, input.reason, actorOf(caller), now);
      return { matched, revoked, dryRun: false };
    },
  };
}

export type Incidents = ReturnType<typeof createIncidents>;
