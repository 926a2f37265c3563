import type { ListenOptions } from "./backend.ts";

/**
 * Wraps a NOTIFY listener so that what it throws goes to `options.onError` instead of the
 * driver's message handler, which must never see it.
 */
export function guardListener(
  onPayload: (payload: string) => void,
  options: ListenOptions,
): (payload: string) => void {
  return (payload) => {
    try {
      onPayload(payload);
    } catch (err) {
      options.onError?.(err);
    }
  };
}
