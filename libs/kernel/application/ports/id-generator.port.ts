export const ID_GENERATOR = Symbol('IdGenerator');
/** Time-ordered ids (UUIDv7) so primary keys and event ids index well and sort by creation. */
export interface IdGenerator {
  next(): string;
}
