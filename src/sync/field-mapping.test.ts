import { describe, expect, it } from 'vitest';
import {
  canonicalMobile,
  comparableText,
  DEFAULT_FIELD_MAPPING_SPEC,
  defaultFieldMapping,
  fieldChanges,
  fieldMappingSchema,
  initialFieldValues,
  mapUserRecord,
  printFieldMapping,
} from './field-mapping.ts';
import type { AccountFieldValues } from './local-directory-view.ts';

const record = {
  userid: 'zhangsan',
  name: '张三',
  state_code: '86',
  mobile: '13800000000',
  email: 'zhang@example.com',
  org_email: 'Zhang.San@Corp.example.cn',
  job_number: 'E100',
  title: '工程师',
  work_place: '杭州',
  extension: '{"工号":"W42"}',
};

function account(fields: Partial<AccountFieldValues> = {}): AccountFieldValues {
  return { username: 'zhangsan', displayName: '张三', email: null, mobile: null, jobNumber: null, title: null, attributes: {}, ...fields };
}

describe('fieldMappingSchema', () => {
  it('parses the default mapping and prints it back as stored', () => {
    expect(printFieldMapping(defaultFieldMapping())).toEqual(DEFAULT_FIELD_MAPPING_SPEC);
  });

  it('defaults the mode to dingtalk and accepts attributes', () => {
    const mapping = fieldMappingSchema.parse({ ...DEFAULT_FIELD_MAPPING_SPEC, 'attributes.workPlace': { source: 'work_place' } });
    expect(mapping['attributes.workPlace']?.mode).toBe('dingtalk');
  });

  it.each([
    [{ ...DEFAULT_FIELD_MAPPING_SPEC, password: { source: 'userid' } }, 'passwords are never synced'],
    [{ ...DEFAULT_FIELD_MAPPING_SPEC, phone: { source: 'mobile' } }, 'unknown target "phone"'],
    [{ ...DEFAULT_FIELD_MAPPING_SPEC, email: { source: 'org_email |' } }, "not a mapping expression: column 12: expected a path or a \"template\" after '|'"],
    [{ ...DEFAULT_FIELD_MAPPING_SPEC, email: { source: 'email', mode: 'always' } }, 'Invalid option'],
    [{ displayName: { source: 'name' } }, 'username must be mapped'],
  ])('rejects a bad mapping with a message that names the problem (%#)', (spec, message) => {
    const result = fieldMappingSchema.safeParse(spec);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message).join('\n')).toContain(message);
  });
});

describe('mapUserRecord', () => {
  it('evaluates the default mapping', () => {
    expect(mapUserRecord(defaultFieldMapping(), record)).toEqual({
      username: 'zhangsan',
      displayName: '张三',
      email: 'Zhang.San@Corp.example.cn',
      mobile: '+86 13800000000',
      jobNumber: 'E100',
      title: '工程师',
    });
  });

  it('falls back to the bare mobile without a state code, and to email without org_email', () => {
    const { state_code: _s, org_email: _o, ...rest } = record;
    expect(mapUserRecord(defaultFieldMapping(), rest)).toMatchObject({ mobile: '13800000000', email: 'zhang@example.com' });
  });
});

describe('initialFieldValues', () => {
  it('keeps every mapped value present, whatever its mode', () => {
    const mapping = fieldMappingSchema.parse({ ...DEFAULT_FIELD_MAPPING_SPEC, title: { source: 'title', mode: 'local' } });
    expect(initialFieldValues(mapping, mapUserRecord(mapping, record)).values).toMatchObject({ username: 'zhangsan', title: '工程师' });
  });

  it('names required targets without a value', () => {
    const mapping = fieldMappingSchema.parse({ ...DEFAULT_FIELD_MAPPING_SPEC, username: { source: 'job_number' } });
    expect(initialFieldValues(mapping, mapUserRecord(mapping, { name: '李四' })).missing).toEqual(['username']);
  });
});

describe('fieldChanges', () => {
  const mapping = fieldMappingSchema.parse({
    ...DEFAULT_FIELD_MAPPING_SPEC,
    title: { source: 'title', mode: 'fill_if_empty' },
    jobNumber: { source: 'extension.工号', mode: 'local' },
    'attributes.workPlace': { source: 'work_place' },
  });
  const mapped = mapUserRecord(mapping, record);

  it('overwrites DingTalk-owned fields, fills empty ones, never writes local ones', () => {
    const current = account({ displayName: '张3', title: '', jobNumber: 'LOCAL', email: 'old@example.com' });
    expect(fieldChanges(mapping, mapped, current)).toEqual([
      { field: 'displayName', before: '张3', after: '张三' },
      { field: 'email', before: 'old@example.com', after: 'Zhang.San@Corp.example.cn' },
      { field: 'mobile', before: null, after: '+86 13800000000' },
      { field: 'title', before: '', after: '工程师' },
      { field: 'attributes.workPlace', before: null, after: '杭州' },
    ]);
  });

  it('leaves a filled fill_if_empty field and the username alone', () => {
    const current = account({ username: 'someone-else', title: '经理' });
    expect(fieldChanges(mapping, mapped, current).map((c) => c.field)).not.toContain('title');
    expect(fieldChanges(mapping, mapped, current).map((c) => c.field)).not.toContain('username');
  });

  it('sees no change where the values are equal as the directory compares them', () => {
    const current = account({
      email: 'zhang.san@corp.EXAMPLE.cn',
      mobile: '138 0000 0000',
      title: '工程师',
      attributes: { workPlace: '杭州' },
    });
    expect(fieldChanges(mapping, mapped, current)).toEqual([]);
  });

  it('clears a DingTalk-owned field DingTalk no longer has, but never a required one', () => {
    const current = account({ email: 'old@example.com', attributes: { workPlace: '杭州' } });
    const changes = fieldChanges(mapping, mapUserRecord(mapping, { userid: 'zhangsan' }), current);
    expect(changes).toEqual([
      { field: 'email', before: 'old@example.com', after: null },
      { field: 'attributes.workPlace', before: '杭州', after: null },
    ]);
  });

  it('rewrites a structured local attribute with the mapped text', () => {
    const current = account({
      email: 'zhang.san@corp.example.cn',
      mobile: '+8613800000000',
      title: '工程师',
      attributes: { workPlace: { city: '杭州' } },
    });
    expect(fieldChanges(mapping, mapped, current)).toEqual([{ field: 'attributes.workPlace', before: { city: '杭州' }, after: '杭州' }]);
  });
});

describe('comparableText', () => {
  it.each([
    ['email', ' Li@Example.COM ', 'li@example.com'],
    ['username', 'ZhangSan', 'zhangsan'],
    ['mobile', '+86 138-0000-0000', '8613800000000'],
    ['title', ' 工程师 ', '工程师'],
    ['title', '  ', null],
    ['jobNumber', 42, '42'],
  ] as const)('%s %j → %j', (target, value, expected) => {
    expect(comparableText(target, value)).toBe(expected);
  });
});

describe('canonicalMobile', () => {
  it.each([
    ['13800000000', '8613800000000'],
    ['+86 13800000000', '8613800000000'],
    ['008613800000000', '8613800000000'],
    ['+852 5123 4567', '85251234567'],
    ['5123 4567', '51234567'],
    ['ext.', null],
  ])('%j → %j', (text, expected) => {
    expect(canonicalMobile(text)).toBe(expected);
  });
});
