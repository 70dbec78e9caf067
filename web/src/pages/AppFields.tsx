/**
 * The fields of an application (OIDC client), for registering one and for its settings, checked as the API
 * checks them (`src/auth/apps-contract.ts`): a name of 1–200 characters; 1–20 redirect URIs, each an absolute
 * http(s) URL without a fragment; up to 20 post-logout URIs alike; an optional http(s) initiate login URI.
 */
import { Checkbox, Form, Input } from 'antd';
import type { Rule } from 'antd/es/form';
import type { AppView } from '../api-client.ts';
import { useI18n } from '../i18n.tsx';

/** What the form holds: URIs as text, one per line. */
export interface AppFormValues {
  name: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  initiateLoginUri: string;
  public?: boolean;
}

const MAX_URIS = 20;

/** The non-empty lines of a text area, trimmed. */
export function uriLines(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The form's values as the API's body (`initiateLoginUri` null clears it on an update). */
export function appInputOf(values: AppFormValues) {
  const initiate = values.initiateLoginUri?.trim() ?? '';
  return {
    name: values.name.trim(),
    redirectUris: uriLines(values.redirectUris),
    postLogoutRedirectUris: uriLines(values.postLogoutRedirectUris),
    initiateLoginUri: initiate === '' ? null : initiate,
  };
}

/** A view as the form's initial values. */
export function appFormValuesOf(app: AppView): AppFormValues {
  return {
    name: app.name,
    redirectUris: app.redirectUris.join('\n'),
    postLogoutRedirectUris: app.postLogoutRedirectUris.join('\n'),
    initiateLoginUri: app.initiateLoginUri ?? '',
  };
}

/** The fields, inside an antd `<Form>`; `create` adds the public-client choice (fixed once registered). */
export function AppFields({ create }: { create?: boolean }) {
  const { t } = useI18n();
  const uriProblem = (text: string | undefined, required: boolean): string | undefined => {
    const uris = uriLines(text);
    if (required && uris.length === 0) return t('apps.uriRequired');
    if (uris.length > MAX_URIS) return t('apps.uriTooMany');
    for (const [index, raw] of (text ?? '').split(/\r?\n/).entries()) {
      const value = raw.trim();
      if (value === '') continue;
      if (!isHttpUrl(value)) return t('apps.uriInvalid', { line: index + 1, value });
      if (value.includes('#')) return t('apps.uriFragment', { line: index + 1 });
    }
    return undefined;
  };
  const check = (problem: string | undefined) => (problem === undefined ? Promise.resolve() : Promise.reject(new Error(problem)));
  const uriRule = (required: boolean): Rule => ({ validator: (_rule, text: string | undefined) => check(uriProblem(text, required)) });
  return (
    <>
      <Form.Item name="name" label={t('apps.name')} rules={[{ required: true, whitespace: true, max: 200, message: t('apps.nameRequired') }]}>
        <Input maxLength={200} data-testid="app-name" />
      </Form.Item>
      <Form.Item name="redirectUris" label={t('apps.redirectUris')} extra={t('apps.redirectUrisHelp')} rules={[uriRule(true)]}>
        <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} spellCheck={false} placeholder="https://app.example.com/oidc/callback" data-testid="app-redirect-uris" />
      </Form.Item>
      <Form.Item name="postLogoutRedirectUris" label={t('apps.postLogoutUris')} extra={t('apps.postLogoutUrisHelp')} rules={[uriRule(false)]}>
        <Input.TextArea autoSize={{ minRows: 1, maxRows: 6 }} spellCheck={false} data-testid="app-post-logout-uris" />
      </Form.Item>
      <Form.Item
        name="initiateLoginUri"
        label={t('apps.initiateLoginUri')}
        extra={t('apps.initiateLoginUriHelp')}
        rules={[
          {
            validator: (_rule, value: string | undefined) =>
              check(value && value.trim() !== '' && !isHttpUrl(value.trim()) ? t('apps.urlInvalid') : undefined),
          },
        ]}
      >
        <Input spellCheck={false} data-testid="app-initiate-login-uri" />
      </Form.Item>
      {create && (
        <Form.Item name="public" valuePropName="checked" extra={t('apps.publicHelp')}>
          <Checkbox data-testid="app-public">{t('apps.public')}</Checkbox>
        </Form.Item>
      )}
    </>
  );
}
