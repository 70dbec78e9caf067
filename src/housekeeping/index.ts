export { createHousekeeping, INBOX_RETENTION_DAYS, type Housekeeping, type PurgeCounts } from './housekeeping.ts';
