/**
 * Remembers `compute(key)` for pure answers whose keys come from clients or data (zone names,
 * locales, query bounds): when it holds `limit` answers it forgets them all, so it cannot grow
 * without bound, and a working set smaller than the limit is answered from memory. `weight`
 * counts an answer as more than one (e.g. by the instances it holds) against the limit.
 */
export function boundedMemo<V, K = string>(limit: number, weight: (value: V) => number = () => 1): (key: K, compute: () => V) => V {
  const answers = new Map<K, V>();
  let held = 0;
  return (key, compute) => {
    if (answers.has(key)) return answers.get(key) as V;
    const value = compute();
    const w = weight(value);
    if (held + w > limit) {
      answers.clear();
      held = 0;
    }
    answers.set(key, value);
    held += w;
    return value;
  };
}
