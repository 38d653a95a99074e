/**
 * Wraps `task` so that calls made while a run is under way fold into ONE more run, started
 * after it ends: under load a burst of triggers costs one run per run's duration, not one each.
 */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      running = false;
    }
  };
}
