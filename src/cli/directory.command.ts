/**
 * `dingbridge directory export`: the whole directory — units and accounts with their DingTalk links. `--json`
 * gives the `DirectoryExport` document; without it, the unit tree with member counts.
 *
 * @example
 * dingbridge directory export --json > directory.json
 */
import type { Command } from 'commander';
import type { DirectoryExport } from '../directory/directory-contract.ts';
import type { CliContext } from './cli-context.ts';
import { writeJson } from './cli-output.ts';

export function registerDirectoryCommands(program: Command, context: CliContext): void {
  const { io } = context;
  program
    .command('directory')
    .description('The local directory.')
    .command('export')
    .description('Export units and accounts (--json for the whole document).')
    .option('--json', 'print the DirectoryExport document as JSON')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const directory = await context.withConnection(command, (connection) => connection.api.directory.export());
      if (flags.json) writeJson(io.stdout, directory);
      else io.stdout.write(unitTree(directory));
    });
}

/**
 * The units as an indented tree, each with its member count (and its DingTalk department when linked).
 *
 * @example
 * unitTree(directory); // "Acme (12 members)\n  Sales (5 members, dept 42)\n…"
 */
export function unitTree(directory: DirectoryExport): string {
  const members = new Map<string, number>();
  for (const account of directory.accounts) for (const unitId of account.unitIds) members.set(unitId, (members.get(unitId) ?? 0) + 1);
  const ids = new Set(directory.units.map((unit) => unit.id));
  const children = new Map<string | null, DirectoryExport['units']>();
  for (const unit of directory.units) {
    // A unit whose parent is not in the export is shown at the top rather than lost.
    const parent = unit.parentId !== null && ids.has(unit.parentId) ? unit.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), unit]);
  }
  const lines: string[] = [];
  const walk = (parent: string | null, depth: number): void => {
    for (const unit of children.get(parent) ?? []) {
      const count = members.get(unit.id) ?? 0;
      const link = unit.external ? `, dept ${unit.external.deptId}` : '';
      lines.push(`${'  '.repeat(depth)}${unit.name} (${count} member${count === 1 ? '' : 's'}${link})`);
      walk(unit.id, depth + 1);
    }
  };
  walk(null, 0);
  const unplaced = directory.accounts.filter((account) => account.unitIds.length === 0).length;
  lines.push(`${directory.units.length} units, ${directory.accounts.length} accounts${unplaced ? ` (${unplaced} in no unit)` : ''}.`);
  return `${lines.join('\n')}\n`;
}
