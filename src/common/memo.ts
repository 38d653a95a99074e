/**
 * Remembers `compute(key)` for pure answers whose keys come from clients or data (zone names,
 * locales, query bounds): when it holds `limit` answers it forgets them all, so it cannot grow
 * without bound, and a working set smaller than the limit is answered from memory.
 */
export function boundedMemo<V>(limit: number): (key: string, compute: () => V) => V {
  const answers = new Map<string, V>();
  return (key, compute) => {
    if (answers.has(key)) return answers.get(key) as V;
    const value = compute();
    if (answers.size >= limit) answers.clear();
    answers.set(key, value);
    return value;
  };
}
