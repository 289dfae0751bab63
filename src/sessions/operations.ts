import type { Activity } from './activity.js';
import type { Authentication } from './authentication.js';
import type { Login } from './login.js';
import type { Queries } from './queries.js';
import type { Revocation } from './revocation.js';

/** The feature's behaviours, as its routes call them. */
export interface SessionOperations {
  login: Login;
  activity: Activity;
  queries: Queries;
  revocation: Revocation;
  authentication: Authentication;
}
