export {
  createJobs,
  JOBS_SCHEMA,
  type CreateJobsOptions,
  type Jobs,
  type JobSendOptions,
  type JobWorkOptions,
} from './create-jobs.ts';
export { JOB_QUEUES, type QueueSpec } from './job-queues.ts';
export type { Job } from 'pg-boss';
