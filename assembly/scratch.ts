// A thread's scratch: every kernel's per-thread working memory.
import { ConvJob } from './boundary.generated';

/** This thread's scratch: the job's scratch base, `scratchBytes` per thread. */
@inline export function threadScratch(job: ConvJob, thread: i32): usize {
  return <usize>job.scratch + <usize>thread * <usize>job.scratchBytes;
}
