/**
 * Step 4, field mapping and matching rules: each target field with its source expression and ownership mode, the
 * matching presets in order, and a preview on real DingTalk people (`POST /bindings/:id/preview-mapping`) that says
 * per person what the mapped fields are and what the next sync would do. Expression errors come from the server's
 * parser and are shown at their row. Saved with PATCH.
 */
import { Alert, AutoComplete, Button, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import type { BindingView, MappingPreview } from '../../api-client.ts';
import { ApiError } from '../../api-client.ts';
import type { AccountField, OwnershipMode } from '../../../../src/sync/field-mapping.ts';
import type { MatchingPreset } from '../../../../src/sync/account-matching.ts';
import { useI18n, type MessageKey } from '../../i18n.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../ui.tsx';

const TARGETS: readonly AccountField[] = ['username', 'displayName', 'email', 'mobile', 'jobNumber', 'title'];
const MODES: readonly OwnershipMode[] = ['dingtalk', 'fill_if_empty', 'local'];
const PRESETS: readonly MatchingPreset[] = ['mobile', 'email', 'org_email', 'job_number', 'username'];
/** DingTalk fields worth showing beside a person (§4.3); the whole record is in the API answer. */
const SHOWN_FIELDS = ['mobile', 'email', 'org_email', 'job_number', 'title', 'dept_id_list'] as const;

interface Row {
  id: number;
  target: string;
  source: string;
  mode: OwnershipMode;
}
type Person = MappingPreview['people'][number];

let nextRowId = 1;

/** The stored mapping as rows: account columns in their usual order, then attributes by name. */
function rowsOf(mapping: unknown): Row[] {
  const rank = (target: string) => {
    const index = (TARGETS as readonly string[]).indexOf(target);
    return index === -1 ? TARGETS.length : index;
  };
  const entries = Object.entries((mapping ?? {}) as Record<string, { source: string; mode: OwnershipMode }>);
  entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
  return entries.map(([target, rule]) => ({ id: nextRowId++, target, source: rule.source, mode: rule.mode }));
}

/** `{field: message}` of a `binding.invalid` answer (`mapping.email.source: not a mapping expression: …`). */
function issuesOf(error: unknown): Map<string, string> {
  const issues = error instanceof ApiError ? (error.details as { issues?: { field: string; message: string }[] } | undefined)?.issues : undefined;
  return new Map((issues ?? []).map((issue) => [issue.field, issue.message]));
}

export function MappingStep({
  binding,
  last,
  finishing,
  onBack,
  onSaved,
}: {
  binding: BindingView;
  /** No event step follows: "Next" is "Finish". */
  last: boolean;
  finishing: boolean;
  onBack: () => void;
  onSaved: (view: BindingView) => void;
}) {
  const { t } = useI18n();
  const { api } = useSession();
  const [rows, setRows] = useState<Row[]>(() => rowsOf(binding.mapping));
  const stored = (binding.matching ?? []) as unknown[];
  const [presets, setPresets] = useState<string[]>(stored.filter((rule): rule is string => typeof rule === 'string'));
  // Custom rules (`{source, field}`) have no editor here: they are kept as they are and shown.
  const custom = stored.filter((rule) => typeof rule !== 'string');
  const [issues, setIssues] = useState<Map<string, string>>(new Map());
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState<'preview' | 'save'>();
  const [preview, setPreview] = useState<MappingPreview>();

  const mapping = () => Object.fromEntries(rows.filter((row) => row.target.trim() !== '').map((row) => [row.target.trim(), { source: row.source, mode: row.mode }]));
  const matching = () => [...presets, ...custom];
  const update = (id: number, patch: Partial<Row>) => setRows((current) => current.map((row) => (row.id === id ? { ...row, ...patch } : row)));

  const run = async (action: 'preview' | 'save') => {
    setBusy(action);
    setError(undefined);
    setIssues(new Map());
    try {
      if (action === 'preview') setPreview(await api.previewMapping(binding.id, { mapping: mapping(), matching: matching(), limit: 10 }));
      else onSaved(await api.updateBinding(binding.id, { mapping: mapping(), matching: matching() }));
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
      setIssues(issuesOf(failure));
    } finally {
      setBusy(undefined);
    }
  };

  const issueAt = (row: Row, part: 'source' | 'target'): string | undefined =>
    part === 'source' ? issues.get(`mapping.${row.target.trim()}.source`) : issues.get(`mapping.${row.target.trim()}`);
  const matchingIssue = [...issues].find(([field]) => field.startsWith('matching'))?.[1];

  return (
    <Space direction="vertical" size={16} style={{ width: '100%' }}>
      <Alert type="info" showIcon title={t('wizard.mapping.intro')} description={t('wizard.mapping.syntax')} />
      <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
        {t('wizard.mapping.fields')}
      </Typography.Title>
      <Table<Row>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={rows}
        data-testid="wizard-mapping"
        columns={[
          {
            title: t('wizard.mapping.target'),
            width: 220,
            render: (_, row, index) => (
              <>
                <AutoComplete
                  value={row.target}
                  options={[...TARGETS.map((value) => ({ value })), { value: 'attributes.' }]}
                  onChange={(value: string) => update(row.id, { target: value })}
                  status={issueAt(row, 'target') ? 'error' : undefined}
                  style={{ width: '100%' }}
                  aria-label={t('wizard.mapping.targetLabel', { n: index + 1 })}
                  data-testid={`wizard-target-${index}`}
                />
                {issueAt(row, 'target') && <Typography.Text type="danger">{issueAt(row, 'target')}</Typography.Text>}
              </>
            ),
          },
          {
            title: t('wizard.mapping.source'),
            render: (_, row) => (
              <>
                <Input
                  value={row.source}
                  onChange={(event) => update(row.id, { source: event.target.value })}
                  status={issueAt(row, 'source') ? 'error' : undefined}
                  aria-label={t('wizard.mapping.sourceLabel', { target: row.target || '—' })}
                  data-testid={`wizard-source-${row.target}`}
                  style={{ fontFamily: 'monospace' }}
                />
                {issueAt(row, 'source') && (
                  <Typography.Text type="danger" data-testid={`wizard-source-error-${row.target}`}>
                    {issueAt(row, 'source')}
                  </Typography.Text>
                )}
              </>
            ),
          },
          {
            title: t('wizard.mapping.mode'),
            width: 200,
            render: (_, row) => (
              <Select<OwnershipMode>
                value={row.mode}
                onChange={(mode) => update(row.id, { mode })}
                options={MODES.map((mode) => ({ value: mode, label: t(`wizard.mode.${mode}` as MessageKey) }))}
                aria-label={t('wizard.mapping.modeLabel', { target: row.target || '—' })}
                style={{ width: '100%' }}
              />
            ),
          },
          {
            title: t('common.actions'),
            width: 90,
            render: (_, row) => (
              <Button type="link" onClick={() => setRows((current) => current.filter((r) => r.id !== row.id))}>
                {t('wizard.mapping.remove')}
              </Button>
            ),
          },
        ]}
      />
      <Button onClick={() => setRows((current) => [...current, { id: nextRowId++, target: 'attributes.', source: '', mode: 'dingtalk' }])}>
        {t('wizard.mapping.add')}
      </Button>
      <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
        {t('wizard.mapping.matching')}
      </Typography.Title>
      <div>
        <label htmlFor="wizard-matching">{t('wizard.mapping.matchingHelp')}</label>
        <Select
          id="wizard-matching"
          mode="multiple"
          value={presets}
          onChange={setPresets}
          status={matchingIssue ? 'error' : undefined}
          options={PRESETS.map((preset) => ({ value: preset, label: t(`wizard.preset.${preset}` as MessageKey) }))}
          style={{ width: '100%', marginTop: 8 }}
          data-testid="wizard-matching"
        />
        {presets.length === 0 && custom.length === 0 && <div style={{ marginTop: 8 }}>{t('wizard.mapping.noMatching')}</div>}
        {custom.length > 0 && (
          <div style={{ marginTop: 8 }}>
            {t('wizard.mapping.customRules')}{' '}
            {custom.map((rule, index) => (
              <Tag key={index}>{JSON.stringify(rule)}</Tag>
            ))}
          </div>
        )}
        {matchingIssue && <Typography.Text type="danger">{matchingIssue}</Typography.Text>}
      </div>
      <ErrorAlert error={error} />
      <Space>
        <Button onClick={onBack}>{t('wizard.back')}</Button>
        <Button loading={busy === 'preview'} onClick={() => void run('preview')} data-testid="wizard-preview">
          {t('wizard.mapping.preview')}
        </Button>
        <Button type="primary" loading={busy === 'save' || finishing} onClick={() => void run('save')} data-testid="wizard-mapping-next">
          {t(last ? 'wizard.finish' : 'wizard.next')}
        </Button>
      </Space>
      {preview && <PreviewTable preview={preview} />}
    </Space>
  );
}

function PreviewTable({ preview }: { preview: MappingPreview }) {
  const { t } = useI18n();
  const list = (entries: [string, unknown][]) => (
    <dl style={{ margin: 0, display: 'grid', gridTemplateColumns: 'auto 1fr', columnGap: 8, fontSize: 12 }}>
      {entries.map(([key, value]) => (
        <div key={key} style={{ display: 'contents' }}>
          <dt style={{ color: 'rgba(0,0,0,0.62)' }}>{key}</dt>
          <dd style={{ margin: 0 }}>{value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value)}</dd>
        </div>
      ))}
    </dl>
  );
  return (
    <section aria-label={t('wizard.mapping.previewTitle')}>
      <Typography.Title level={2} style={{ fontSize: 16 }}>
        {t('wizard.mapping.previewTitle')}
      </Typography.Title>
      <Typography.Paragraph>{t('wizard.mapping.previewFrom', { n: preview.people.length, departments: preview.departments.join(', ') })}</Typography.Paragraph>
      <Table<Person>
        rowKey="userid"
        size="small"
        pagination={false}
        dataSource={preview.people}
        data-testid="wizard-preview-table"
        onRow={(person) => ({ 'data-userid': person.userid, 'data-outcome': person.outcome.kind }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('wizard.mapping.person'),
            render: (_, person) => (
              <>
                <div data-testid="wizard-preview-name">{typeof person.dingtalk.name === 'string' ? person.dingtalk.name : person.userid}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {person.userid}
                </Typography.Text>
              </>
            ),
          },
          { title: t('wizard.mapping.dingtalkFields'), render: (_, person) => list(SHOWN_FIELDS.map((key) => [key, person.dingtalk[key]])) },
          { title: t('wizard.mapping.mapped'), render: (_, person) => list(Object.entries(person.mapped)) },
          { title: t('wizard.mapping.outcome'), render: (_, person) => <Outcome person={person} /> },
        ]}
      />
    </section>
  );
}

function Outcome({ person }: { person: Person }) {
  const { t } = useI18n();
  const { outcome } = person;
  const account = (a: { username: string; displayName: string }) => `${a.displayName} (${a.username})`;
  switch (outcome.kind) {
    case 'create':
      return <Tag color="blue">{t('wizard.outcome.create')}</Tag>;
    case 'matched':
      return <span>{t('wizard.outcome.matched', { account: account(outcome.account), rule: t(`wizard.preset.${outcome.rule}` as MessageKey) ?? outcome.rule })}</span>;
    case 'linked':
      return (
        <span>
          {t('wizard.outcome.linked', { account: account(outcome.account) })}
          {outcome.changes.length > 0 && ` ${t('wizard.outcome.changes', { fields: outcome.changes.join(', ') })}`}
        </span>
      );
    case 'ambiguous':
      return <Tag color="warning">{t('wizard.outcome.ambiguous', { rule: outcome.rule, n: outcome.candidates.length })}</Tag>;
    case 'contested':
      return <Tag color="warning">{t('wizard.outcome.contested', { account: account(outcome.account), rule: outcome.rule })}</Tag>;
    case 'missing_required':
      return <Tag color="error">{t('wizard.outcome.missing', { fields: outcome.fields.join(', ') })}</Tag>;
    case 'username_taken':
      return <Tag color="error">{t('wizard.outcome.usernameTaken', { account: account(outcome.account) })}</Tag>;
  }
}
