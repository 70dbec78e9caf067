/** The console's shell: language, sign-in gate, the side menu and the page for the current path. */
import { ApartmentOutlined, AppstoreOutlined, DashboardOutlined, LinkOutlined, SyncOutlined } from '@ant-design/icons';
import { App as AntdApp, Button, ConfigProvider, Layout, Menu, Space, Spin, Typography } from 'antd';
import { lazy, Suspense, type ReactNode } from 'react';
import { I18nProvider, useI18n } from './i18n.tsx';
import { LanguageSwitch } from './ui.tsx';
import { navigate, usePath } from './router.tsx';
import { SessionGate, useSession } from './session.tsx';
import { SignedInAs } from './SignedInAs.tsx';

/**
 * Each page is its own chunk, loaded when first shown: the shell (React, antd's layout and menu, the messages)
 * loads first, and a page's components and their share of antd follow (docs/console.md has the sizes).
 */
const AccountDetailPage = lazy(() => import('./pages/AccountDetailPage.tsx').then((m) => ({ default: m.AccountDetailPage })));
const AppDetailPage = lazy(() => import('./pages/AppDetailPage.tsx').then((m) => ({ default: m.AppDetailPage })));
const AppsPage = lazy(() => import('./pages/AppsPage.tsx').then((m) => ({ default: m.AppsPage })));
const BindingDetailPage = lazy(() => import('./pages/BindingDetailPage.tsx').then((m) => ({ default: m.BindingDetailPage })));
const BindingWizardPage = lazy(() => import('./pages/binding-wizard/BindingWizardPage.tsx').then((m) => ({ default: m.BindingWizardPage })));
const BindingOutboundPage = lazy(() => import('./pages/BindingOutboundPage.tsx').then((m) => ({ default: m.BindingOutboundPage })));
const BindingsPage = lazy(() => import('./pages/BindingsPage.tsx').then((m) => ({ default: m.BindingsPage })));
const DirectoryPage = lazy(() => import('./pages/DirectoryPage.tsx').then((m) => ({ default: m.DirectoryPage })));
const OverviewPage = lazy(() => import('./pages/OverviewPage.tsx').then((m) => ({ default: m.OverviewPage })));
const RunDetailPage = lazy(() => import('./pages/RunDetailPage.tsx').then((m) => ({ default: m.RunDetailPage })));
const RunsPage = lazy(() => import('./pages/RunsPage.tsx').then((m) => ({ default: m.RunsPage })));
const SignInPage = lazy(() => import('./pages/SignInPage.tsx').then((m) => ({ default: m.SignInPage })));

/** What shows while a page's chunk loads (a few milliseconds on a LAN; longer on a slow link). */
const LOADING = <Spin style={{ display: 'block', margin: '64px auto' }} />;

export function App() {
  return (
    <I18nProvider>
      <Localized>
        <SessionGate
          signIn={(accept) => (
            <Suspense fallback={LOADING}>
              <SignInPage onSignedIn={accept} />
            </Suspense>
          )}
        >
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
    // Placeholders are read as text (the kind filter's "Any kind"); antd's 25 % black is 1.9:1 on white.
    colorTextPlaceholder: 'rgba(0, 0, 0, 0.6)',
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
  if (path === '/bindings/new') return { section: '/bindings', page: <BindingWizardPage /> };
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
  const appMatch = /^\/apps\/([^/]+)$/.exec(path);
  if (appMatch?.[1]) return { section: '/apps', page: <AppDetailPage id={decodeURIComponent(appMatch[1])} /> };
  if (path === '/apps') return { section: '/apps', page: <AppsPage /> };
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
    { key: '/apps', icon: <AppstoreOutlined />, label: t('nav.apps') },
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
            <SignedInAs />
            <LanguageSwitch />
            <Button onClick={signOut} data-testid="sign-out">
              {t('signOut')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ margin: 24 }}>
          <main>
            <Suspense fallback={LOADING}>{page}</Suspense>
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
