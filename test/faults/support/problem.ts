// Dependency-free, so the fuzzing client process can judge answers without loading the app.

/** A problem+json error document as src/errors.ts writes it, its status matching the answer's. */
export const isProblem = (response: { statusCode: number; headers: Record<string, unknown>; body: string }): boolean => {
  if (!String(response.headers['content-type'] ?? '').startsWith('application/problem+json')) return false;
  try {
    const body = JSON.parse(response.body) as Record<string, unknown>;
    return (
      body.status === response.statusCode &&
      typeof body.type === 'string' &&
      typeof body.title === 'string' &&
      typeof body.detail === 'string' &&
      typeof body.code === 'string' &&
      typeof body.requestId === 'string'
    );
  } catch {
    return false;
  }
};
