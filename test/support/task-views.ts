/**
 * A task's successProbability and factors are derived (the learning context scores open tasks after
 * each commit, asynchronously, and they change without the task's version). Suites about the task's
 * own state compare answers without them, after checking they are well formed wherever they appear.
 */
export function withoutPrediction<T>(body: T): T {
  if (Array.isArray(body)) return body.map(withoutPrediction) as T;
  if (typeof body !== 'object' || body === null) return body;
  const o = body as Record<string, unknown>;
  if (Array.isArray(o.items)) return { ...o, items: o.items.map(withoutPrediction) } as T;
  if (!('version' in o) || !('status' in o)) return body;
  const { successProbability, factors, ...rest } = o;
  if (successProbability !== null && (typeof successProbability !== 'number' || successProbability < 0 || successProbability > 1)) {
    throw new Error(`successProbability out of range: ${JSON.stringify(successProbability)}`);
  }
  if (o.status !== 'open' && successProbability !== null) throw new Error(`a ${String(o.status)} task with a successProbability`);
  if (!Array.isArray(factors) || factors.length > 3 || factors.some((f) => typeof f?.text !== 'string' || !['helps', 'hurts'].includes(f?.effect))) {
    throw new Error(`malformed factors: ${JSON.stringify(factors)}`);
  }
  if (successProbability === null && factors.length > 0) throw new Error('factors without a successProbability');
  return rest as T;
}
