export const READINESS_PROBES = Symbol('ReadinessProbes');

/** A dependency the current mode needs; `check` throws when it is not usable. */
export interface ReadinessProbe {
  readonly name: string;
  check(): Promise<void>;
}
