/**
 * `dingbridge units add|list|show|update|move|remove`: organization units managed by hand. Inside a binding with
 * outbound provisioning on, each change is pushed to DingTalk.
 *
 * @example
 * dingbridge units add --name Sales --parent 0b6f3c2e-8d1a-4c5e-9f7b-2a4d6e8c0f13 --json
 */
import type { Command } from 'commander';
import type { UnitView } from '../directory/directory-contract.ts';
import type { CliContext } from './cli-context.ts';
import { keyValues, table, writeJson } from './cli-output.ts';
import { nonEmpty, usageError, uuid, wholeNumber } from './cli-parsers.ts';

function describeUnit(unit: UnitView): string {
  return keyValues({
    id: unit.id,
    name: unit.name,
    parentId: unit.parentId,
    order: unit.order,
    dingtalk: unit.links.map((link) => `${link.corpId}/${link.deptId}`).join(' '),
    members: unit.memberCount,
    children: unit.childCount,
  });
}

export function registerUnitsCommands(program: Command, context: CliContext): void {
  const { io } = context;
  const units = program.command('units').description('Organization units managed by hand (pushed to DingTalk where outbound is on).');
  const print = (unit: UnitView, json: boolean | undefined, verb: string) => {
    if (json) writeJson(io.stdout, unit);
    else io.stdout.write(`${verb} unit ${unit.id}.\n${describeUnit(unit)}`);
  };

  units
    .command('add')
    .description('Add a unit under a parent unit.')
    .requiredOption('--name <name>', 'the unit name (unique among its siblings)', nonEmpty(64))
    .requiredOption('--parent <id>', 'the parent unit id', uuid)
    .option('--order <n>', 'position among siblings (smaller first)', wholeNumber(0, 2_147_483_647))
    .option('--json', 'print the unit as JSON')
    .action(async (flags: { name: string; parent: string; order?: number; json?: boolean }, command: Command) => {
      const unit = await context.withConnection(command, (c) =>
        c.api.units.add({ name: flags.name, parentId: flags.parent, ...(flags.order === undefined ? {} : { order: flags.order }) }),
      );
      print(unit, flags.json, 'Added');
    });

  units
    .command('list')
    .description('List units, parents before children.')
    .option('--parent <id>', 'only the children of this unit', uuid)
    .option('--json', 'print {items: [...]} as JSON')
    .action(async (flags: { parent?: string; json?: boolean }, command: Command) => {
      const items = await context.withConnection(command, (c) => c.api.units.list(flags.parent === undefined ? {} : { parentId: flags.parent }));
      if (flags.json) writeJson(io.stdout, { items });
      else io.stdout.write(table(items.map((u) => ({ ...u, dingtalk: u.links.map((l) => l.deptId).join(',') })), ['id', 'name', 'parentId', 'memberCount', 'dingtalk']));
    });

  units
    .command('show')
    .argument('<id>', 'unit id', uuid)
    .option('--json', 'print the unit as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const unit = await context.withConnection(command, (c) => c.api.units.show(id));
      if (flags.json) writeJson(io.stdout, unit);
      else io.stdout.write(describeUnit(unit));
    });

  units
    .command('update')
    .description('Rename or reorder a unit.')
    .argument('<id>', 'unit id', uuid)
    .option('--name <name>', 'new name', nonEmpty(64))
    .option('--order <n>', 'position among siblings', wholeNumber(0, 2_147_483_647))
    .option('--json', 'print the unit as JSON')
    .action(async (id: string, flags: { name?: string; order?: number; json?: boolean }, command: Command) => {
      if (flags.name === undefined && flags.order === undefined) throw usageError('cli.nothing_to_update', 'units update needs --name or --order.');
      const unit = await context.withConnection(command, (c) =>
        c.api.units.update(id, { ...(flags.name === undefined ? {} : { name: flags.name }), ...(flags.order === undefined ? {} : { order: flags.order }) }),
      );
      print(unit, flags.json, 'Updated');
    });

  units
    .command('move')
    .description('Move a unit under another parent.')
    .argument('<id>', 'unit id', uuid)
    .requiredOption('--parent <id>', 'the new parent unit id', uuid)
    .option('--json', 'print the unit as JSON')
    .action(async (id: string, flags: { parent: string; json?: boolean }, command: Command) => {
      const unit = await context.withConnection(command, (c) => c.api.units.move(id, { parentId: flags.parent }));
      print(unit, flags.json, 'Moved');
    });

  units
    .command('remove')
    .description('Remove an empty unit.')
    .argument('<id>', 'unit id', uuid)
    .option('--json', 'print {id, removed} as JSON')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      const removed = await context.withConnection(command, (c) => c.api.units.remove(id));
      if (flags.json) writeJson(io.stdout, removed);
      else io.stdout.write(`Removed unit ${removed.id}.\n`);
    });
}
