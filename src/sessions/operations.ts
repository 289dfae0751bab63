import type { Activity } from './activity.js';
import type { Authentication } from './authentication.js';
import type { Details } from './details.js';
import type { Erasure } from './erasure.js';
import type { Exports } from './export.js';
import type { Incidents } from './incidents.js';
import type { Login } from './login.js';
import type { Queries } from './queries.js';
import type { Reviews } from './reviews.js';
import type { Revocation } from './revocation.js';

/** The feature's behaviours, as its routes call them. */
export interface SessionOperations {
  login: Login;
  activity: Activity;
  queries: Queries;
  revocation: Revocation;
  authentication: Authentication;
  review: Reviews;
  details: Details;
  erasure: Erasure;
  exportUser: Exports;
  incidents: Incidents;
}
