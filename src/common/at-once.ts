/**
 * What an in-process read tells at once: the value; null when there surely is none; undefined
 * when it cannot be told without a round trip (then the asynchronous read answers).
 */
export type AtOnce<T> = T | null | undefined;
