/** Injected everywhere time matters so tests can walk days without sleeping. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();
