/**
 * Which of `partitions` a user's messages go to (command queues, outbox relay partitions): a stable
 * hash, the same in every process, so one user's messages keep their order.
 */
export function partitionOf(userId: string, partitions: number): number {
  // FNV-1a over the id's characters: cheap, stable across processes and versions of Node.
  let h = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
