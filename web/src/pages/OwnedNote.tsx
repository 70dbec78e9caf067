/**
 * Why a field is read-only: DingTalk owns it through a binding, and what to do (with the binding's outbound page);
 * `short` names only the binding, under a field of a form that says the rest once.
 */
import { LockOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import type { FieldEditability } from '../../../src/directory/directory-contract.ts';
import { useI18n } from '../i18n.tsx';
import { navigate } from '../router.tsx';

export function OwnedNote({ owner, short = false }: { owner: FieldEditability['owner']; short?: boolean }) {
  const { t } = useI18n();
  if (!owner) return null;
  const outbound = `/bindings/${owner.bindingId}/outbound`;
  if (short) {
    return (
      <Typography.Text type="secondary" data-testid="owned-note">
        <LockOutlined aria-hidden /> {t('directory.ownedShort', { binding: owner.bindingName })}
      </Typography.Text>
    );
  }
  return (
    <Typography.Text type="secondary" data-testid="owned-note">
      <LockOutlined aria-hidden /> {t('directory.owned', { binding: owner.bindingName })}{' '}
      {/* Underlined: inside a sentence a link must not be told apart by colour alone (axe link-in-text-block). */}
      <Typography.Link
        underline
        href={outbound}
        onClick={(event) => {
          event.preventDefault();
          navigate(outbound);
        }}
      >
        {t('directory.ownedOutbound')}
      </Typography.Link>
    </Typography.Text>
  );
}
