import type { SigningKey } from './signing-key.js';
import { CAEP_SESSION_REVOKED } from './vocabulary.js';

// session.ended as a CAEP 1.0 session-revoked event in a Security Event Token (RFC 8417), pushed
// as RFC 8935 describes; and the transmitter metadata of the Shared Signals Framework 1.0.

export const SET_CONTENT_TYPE = 'application/secevent+jwt';

/** Who ended the session, in CAEP's words. */
const INITIATED_BY: Record<string, 'admin' | 'user' | 'policy' | 'system'> = {
  logout: 'user',
  revoked_by_user: 'user',
  reported_by_user: 'user',
  password_change: 'user',
  revoked: 'admin',
  admin: 'admin',
  suspicious: 'admin',
  erased: 'admin',
  idle_timeout: 'policy',
  max_age: 'policy',
  evicted: 'policy',
};

/** [for administrators, for the user] */
const REASONS: Record<string, [string, string]> = {
  logout: ['The user signed out.', 'You signed out.'],
  revoked: ['Ended by a service.', 'This session was ended.'],
  revoked_by_user: ['Ended by the user from another session.', 'You ended this session from another device.'],
  password_change: ['Ended after a password change.', 'Your password was changed.'],
  admin: ['Ended by an administrator.', 'An administrator ended this session.'],
  idle_timeout: ['Idle timeout reached.', 'This session ended after a period of inactivity.'],
  max_age: ['Maximum session age reached.', 'This session reached its maximum age.'],
  suspicious: ['Ended as suspicious.', 'This session was ended to protect your account.'],
  evicted: ['Ended by the concurrent-session limit.', 'A newer sign-in ended this session.'],
  reported_by_user: ['Reported by the user as not theirs.', 'You reported this session as not yours.'],
  erased: ["The user's data was erased.", 'Your data was erased.'],
};

export interface RevokedEvent {
  id: string;
  occurredAt: Date;
  sessionId: string;
  userId: string | null;
  reason: string;
}

/** The signed SET for one ended session, addressed to `audience` (the receiver's URL). */
export function sessionRevokedSet(key: SigningKey, options: { issuer: string; audience: string; event: RevokedEvent; now: Date }): string {
  const { event } = options;
  const [admin, user] = REASONS[event.reason] ?? [`Ended (${event.reason}).`, 'This session was ended.'];
  const subject: Record<string, unknown> = { format: 'complex', session: { format: 'opaque', id: event.sessionId } };
  if (event.userId !== null) subject.user = { format: 'opaque', id: event.userId };
  return key.signJws(
    { typ: 'secevent+jwt' },
    {
      iss: options.issuer,
      aud: options.audience,
      iat: Math.floor(options.now.getTime() / 1000),
      jti: event.id,
      sub_id: subject,
      events: {
        [CAEP_SESSION_REVOKED]: {
          event_timestamp: Math.floor(event.occurredAt.getTime() / 1000),
          initiating_entity: INITIATED_BY[event.reason] ?? 'system',
          reason_admin: { en: admin },
          reason_user: { en: user },
        },
      },
    },
  );
}

/** /.well-known/ssf-configuration: streams are the caep-format endpoints of /v1/webhooks. */
export function transmitterMetadata(issuer: string) {
  return {
    spec_version: '1_0',
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    delivery_methods_supported: ['urn:ietf:rfc:8935'],
    critical_subject_members: ['session'],
    default_subjects: 'ALL',
  };
}
