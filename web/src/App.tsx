/** The console's shell: language, sign-in gate, the side menu and the page for the current path. */
import { ApartmentOutlined, DashboardOutlined, LinkOutlined, SyncOutlined } from '@ant-design/icons';
import { App as AntdApp, Button, ConfigProvider, Layout, Menu, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { I18nProvider, useI18n } from './i18n.tsx';
import { LanguageSwitch } from './ui.tsx';
import { AccountDetailPage } from './pages/AccountDetailPage.tsx';
import { BindingDetailPage } from './pages/BindingDetailPage.tsx';
import { BindingOutboundPage } from './pages/BindingOutboundPage.tsx';
import { BindingsPage } from './pages/BindingsPage.tsx';
import { DirectoryPage } from './pages/DirectoryPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { RunDetailPage } from './pages/RunDetailPage.tsx';
import { RunsPage } from './pages/RunsPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { navigate, usePath } from './router.tsx';
import { SessionGate, useSession } from './session.tsx';

export function App() {
  return (
    <I18nProvider>
      <Localized>
        <SessionGate signIn={(accept) => <SignInPage onSignedIn={accept} />}>
          <Shell />
        </SessionGate>
      </Localized>
    </I18nProvider>
  );
}

/**
 * WCAG AA contrast (4.5:1), which axe reports as serious when missed: antd's defaults fall short for white on
 * its primary blue (#1677ff, 4.1:1), secondary text (45 % black, 3.4:1) and status tags (green on pale green,
 * 2.3:1). The next darker shades of the same palette pass.
 */
const THEME = {
  token: {
    colorPrimary: '#0958d9',
    colorInfo: '#0958d9',
    colorLink: '#0958d9',
    colorSuccess: '#237804',
    colorSuccessBg: '#f6ffed',
    colorSuccessBorder: '#b7eb8f',
    colorWarning: '#874d00',
    colorWarningBg: '#fffbe6',
    colorWarningBorder: '#ffe58f',
    colorError: '#cf1322',
    colorErrorBg: '#fff2f0',
    colorErrorBorder: '#ffccc7',
    colorInfoBg: '#e6f4ff',
    colorInfoBorder: '#91caff',
    colorTextDescription: 'rgba(0, 0, 0, 0.62)',
    colorTextTertiary: 'rgba(0, 0, 0, 0.62)',
  },
};

function Localized({ children }: { children: ReactNode }) {
  const { antdLocale } = useI18n();
  return (
    <ConfigProvider locale={antdLocale} theme={THEME}>
      <AntdApp>{children}</AntdApp>
    </ConfigProvider>
  );
}

function route(path: string): { section: string; page: ReactNode } {
  const runMatch = /^\/runs\/([^/]+)$/.exec(path);
  if (runMatch?.[1]) return { section: '/runs', page: <RunDetailPage id={decodeURIComponent(runMatch[1])} /> };
  const accountMatch = /^\/directory\/accounts\/([^/]+)$/.exec(path);
  if (accountMatch?.[1]) return { section: '/directory', page: <AccountDetailPage id={decodeURIComponent(accountMatch[1])} /> };
  const outboundMatch = /^\/bindings\/([^/]+)\/outbound$/.exec(path);
  if (outboundMatch?.[1]) return { section: '/bindings', page: <BindingOutboundPage id={decodeURIComponent(outboundMatch[1])} /> };
  const bindingMatch = /^\/bindings\/([^/]+)$/.exec(path);
  if (bindingMatch?.[1]) return { section: '/bindings', page: <BindingDetailPage id={decodeURIComponent(bindingMatch[1])} /> };
  if (path === '/runs') return { section: '/runs', page: <RunsPage /> };
  if (path === '/bindings') return { section: '/bindings', page: <BindingsPage /> };
  if (path === '/directory') return { section: '/directory', page: <DirectoryPage /> };
  return { section: '/', page: <OverviewPage /> };
}

function Shell() {
  const { t } = useI18n();
  const { signOut } = useSession();
  const path = usePath();
  const { section, page } = route(path);
  const items = [
    { key: '/', icon: <DashboardOutlined />, label: t('nav.overview') },
    { key: '/runs', icon: <SyncOutlined />, label: t('nav.runs') },
    { key: '/bindings', icon: <LinkOutlined />, label: t('nav.bindings') },
    { key: '/directory', icon: <ApartmentOutlined />, label: t('nav.directory') },
  ];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light">
        <div style={{ padding: '16px 24px' }}>
          <Typography.Text strong>Dingbridge</Typography.Text>
        </div>
        <nav aria-label={t('app.title')}>
          <Menu mode="inline" selectedKeys={[section]} items={items} onClick={({ key }) => navigate(key)} data-testid="nav" />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: '#fff', display: 'flex', justifyContent: 'flex-end', paddingInline: 24 }}>
          <Space>
            <LanguageSwitch />
            <Button onClick={signOut} data-testid="sign-out">
              {t('signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <main>{page}</main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
