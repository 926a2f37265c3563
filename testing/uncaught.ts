// Errors that escape every promise chain while a test runs.

/**
 * Collects errors that escape every promise chain (a crash inside the database driver is one)
 * while a test runs, so the test that caused one fails with it instead of the whole run.
 */
export function trapUncaught(): { readonly errors: unknown[] } & Disposable {
  const errors: unknown[] = [];
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    errors.push(event.error);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    errors.push(event.reason);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return {
    errors,
    [Symbol.dispose]: () => {
      globalThis.removeEventListener("error", onError);
      globalThis.removeEventListener("unhandledrejection", onRejection);
    },
  };
}
