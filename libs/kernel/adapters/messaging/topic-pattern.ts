/**
 * AMQP topic-exchange matching, word for word as RabbitMQ does it, so that the in-process
 * transport routes exactly like the broker and a test green in-process stays green on RabbitMQ.
 *
 * Words are separated by `.`; `*` matches exactly one word, `#` zero or more. The wildcards are
 * only special as whole words (`task*.v1` is a literal word). Like RabbitMQ, an empty key has
 * zero words while `a..b` has an empty middle word.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = splitWords(pattern);
  const k = splitWords(routingKey);
  // Bottom-up table instead of naive backtracking: several `#` in one pattern would otherwise
  // go exponential on long keys. rest[i][j] = pattern words from i match key words from j.
  const rest: boolean[][] = Array.from({ length: p.length + 1 }, () => new Array<boolean>(k.length + 1).fill(false));
  rest[p.length][k.length] = true;
  for (let i = p.length - 1; i >= 0; i--) {
    const word = p[i];
    for (let j = k.length; j >= 0; j--) {
      if (word === '#') {
        rest[i][j] = rest[i + 1][j] || (j < k.length && rest[i][j + 1]);
      } else {
        rest[i][j] = j < k.length && (word === '*' || word === k[j]) && rest[i + 1][j + 1];
      }
    }
  }
  return rest[0][0];
}

export function topicMatchesAny(patterns: readonly string[], routingKey: string): boolean {
  return patterns.some((pattern) => topicMatches(pattern, routingKey));
}

function splitWords(key: string): string[] {
  return key === '' ? [] : key.split('.');
}
