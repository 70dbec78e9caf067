/** Who is signed in, at the top right: the administrator's name after a DingTalk sign-in, else the token's name. */
import { UserOutlined } from '@ant-design/icons';
import { Typography } from 'antd';
import { useI18n } from './i18n.tsx';
import { useSession } from './session.tsx';

export function SignedInAs() {
  const { t } = useI18n();
  const { identity } = useSession();
  if (!identity) return null;
  const name = identity.account ? identity.account.displayName : t('admin.tokenName', { name: identity.tokenName });
  return (
    <Typography.Text
      data-testid="signed-in-as"
      data-kind={identity.kind}
      title={t('admin.signedInAs', { name: identity.account ? `${identity.account.displayName} (${identity.account.username})` : name })}
    >
      <UserOutlined aria-hidden /> {name}
    </Typography.Text>
  );
}
