/** The flat unit list (`GET /api/v1/units`) as trees for antd's Tree and TreeSelect, and a unit's path by name. */
import type { UnitView } from './api-client.ts';

export interface UnitNode {
  key: string;
  value: string;
  title: string;
  disabled?: boolean;
  children: UnitNode[];
}

/**
 * Roots (no parent, or a parent the list does not hold) with their children, siblings by order then name.
 *
 * @example
 * <Tree treeData={unitTree(units, (u) => `${u.name} (${u.memberCount})`)} />
 */
export function unitTree(units: readonly UnitView[], title: (unit: UnitView) => string = (unit) => unit.name, disabled?: (unit: UnitView) => boolean): UnitNode[] {
  const ids = new Set(units.map((u) => u.id));
  const children = new Map<string | null, UnitView[]>();
  for (const unit of units) {
    const parent = unit.parentId !== null && ids.has(unit.parentId) ? unit.parentId : null;
    children.set(parent, [...(children.get(parent) ?? []), unit]);
  }
  const build = (parent: string | null): UnitNode[] =>
    (children.get(parent) ?? [])
      .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name))
      .map((unit) => ({ key: unit.id, value: unit.id, title: title(unit), ...(disabled?.(unit) ? { disabled: true } : {}), children: build(unit.id) }));
  return build(null);
}

/** "Acme / Sales / East": the unit's ancestors and itself, by name (its id when the list does not hold it). */
export function unitPath(units: readonly UnitView[], id: string): string {
  const byId = new Map(units.map((u) => [u.id, u]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let at = byId.get(id); at && !seen.has(at.id); at = at.parentId === null ? undefined : byId.get(at.parentId)) {
    seen.add(at.id);
    names.unshift(at.name);
  }
  return names.length > 0 ? names.join(' / ') : id;
}

/** The unit and every unit below it. */
export function subtreeIds(units: readonly UnitView[], rootId: string): Set<string> {
  const ids = new Set([rootId]);
  // Parents come before children in the API's order, but a pass until nothing changes does not rely on it.
  for (let grew = true; grew; ) {
    grew = false;
    for (const unit of units) {
      if (unit.parentId !== null && ids.has(unit.parentId) && !ids.has(unit.id)) {
        ids.add(unit.id);
        grew = true;
      }
    }
  }
  return ids;
}
