// Self-scheduling for the parallel kernels: every thread of one parallel call claims the next chunk
// of the range from a shared counter, so a thread that runs faster or starts earlier takes more
// chunks. A fixed half each left the main thread waiting ~15% of a VGG step for the worker.

/** The start of the next chunk of `step` items (counter in shared memory; plain when single-threaded). */
@inline
export function claim(counter: usize, step: i32): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(counter, step);
  const v = load<i32>(counter);
  store<i32>(counter, v + step);
  return v;
}
