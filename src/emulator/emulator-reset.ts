/**
 * Building and rebuilding the organization from settings, shared by `createEmulator` and `POST /_emulator/reset`.
 */
import type { EmulatorContext, EmulatorSettings } from './emulator-context.ts';
import { generateOrg } from './org-generator.ts';
import type { OrgData } from './org-types.ts';
import { createRandom, type Random } from './seeded-random.ts';

/** The organization of these settings, and the generator for ids the store mints later (also seeded). */
export function organizationOf(settings: EmulatorSettings): { data: OrgData; random: Random } {
  return { data: generateOrg(settings), random: createRandom(settings.seed).fork('store') };
}

/**
 * Regenerates the organization and returns the emulator to its starting state: the primary app alone with every
 * permission and the whole organization in scope, counters and rate windows cleared, no faults. The primary app's
 * credentials, the corpId and the primary app's current token survive, so a connected client keeps working.
 */
export function resetEmulator(context: EmulatorContext, settings: EmulatorSettings, qps: number): void {
  const { data, random } = organizationOf(settings);
  context.org.replace(data, random);
  context.settings = settings;
  context.apps.reset();
  context.tokens.retain(new Set(context.apps.list().map((app) => app.appKey)));
  context.rates.configure(qps);
  context.calls.reset();
  context.faults.clear();
  context.events.reset();
  context.login.reset();
}
