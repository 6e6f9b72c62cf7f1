/** A tiny typed event emitter; a throwing listener never breaks the others. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  /** `report` receives listener errors (default: rethrown asynchronously, so they reach the console). */
  readonly #report: (error: unknown) => void;

  constructor(
    report: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error;
      }),
  ) {
    this.#report = report;
  }

  /** Subscribes; returns the unsubscribe function. */
  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.#report(error);
      }
    }
  }
}
