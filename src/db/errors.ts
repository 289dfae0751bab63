// What can go wrong with the database, as the rest of the service needs to know it. Repositories
// translate driver errors into these, so nothing above them matches SQLSTATEs or driver messages.

/** The database cannot answer now (restart, killed connection, timeout, lock wait): retry later. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

/** Too many requests already wait for a connection: refused at once instead of queueing. */
export class DatabaseOverloadedError extends Error {
  override readonly name = 'DatabaseOverloadedError';

  constructor() {
    super('too many requests are waiting for a database connection');
  }
}

/** The database refused a value as data (encoding, length, format): the input's fault. */
export class DatabaseRejectedInputError extends Error {
  override readonly name = 'DatabaseRejectedInputError';
}

// SQLSTATE classes 22 (data exception) and 54000 (program limit exceeded: a value too large).
const INPUT_SQLSTATES = new Set(['22021', '22P05', '22001', '22P02', '22007', '22008', '22003', '54000']);
// Admin shutdown, crash shutdown, cannot connect now, query canceled (statement timeout), lock not
// available, too many connections, connection exceptions, idle-in-transaction timeout, and a write
// on a read-only server (a standby reached during a failover, before or after its promotion).
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '55P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08006',
  '25P03',
  '25006',
]);
// pg reports a lost or refused connection without a SQLSTATE, only in its message.
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|ECONNRESET|the database system is (starting up|shutting down)|Client was closed|Cannot use a pool after calling end/;

/** The typed error for a driver error, or the error itself when it is none of the above. */
export function toDatabaseError(error: unknown): unknown {
  if (!error || typeof error !== 'object') return error;
  if (error instanceof DatabaseUnavailableError || error instanceof DatabaseOverloadedError || error instanceof DatabaseRejectedInputError)
    return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (typeof code === 'string' && INPUT_SQLSTATES.has(code)) return new DatabaseRejectedInputError(text, { cause: error });
  if ((typeof code === 'string' && UNAVAILABLE_SQLSTATES.has(code)) || UNAVAILABLE_MESSAGES.test(text)) {
    return new DatabaseUnavailableError(text, { cause: error });
  }
  return error;
}

type Method = (...args: never[]) => unknown;

/**
 * The repository with every method's rejections translated by toDatabaseError. Methods must
 * return promises (every repository method does): a synchronous result passes through untouched.
 */
export function translatingErrors<T extends Record<string, Method>>(repository: T): T {
  const wrapped: Record<string, Method> = {};
  for (const [name, method] of Object.entries(repository)) {
    wrapped[name] = (...args: never[]) => {
      const result = method(...args);
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(toDatabaseError(error))) : result;
    };
  }
  return wrapped as T;
}
