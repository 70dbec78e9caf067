/**
 * The activity area's only face (issue 8): each binding's health (last run, event lag, errors) and counts over
 * time of runs, DingTalk calls and events, read from the tables the other areas write, for the console.
 *
 * @example
 * import { activityRoutes, createActivity } from '../activity/index.ts';
 * const activity = createActivity({ db, bindings, clock });
 * await createHttpServer({ ..., adminRoutes: activityRoutes(activity) });
 */
export * from './activity-contract.ts';
export { createActivity, type ActivityDeps } from './activity-service.ts';
export { activityRoutes } from './activity.routes.ts';
