/**
 * The console's two languages: antd's own locale plus a small message catalogue. The choice is kept in
 * localStorage (per browser profile, i.e. per user); the first visit follows `navigator.language`.
 */
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { Locale as AntdLocale } from 'antd/es/locale';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh-CN' | 'en';
const STORAGE_KEY = 'dingbridge.lang';

const en = {
  'app.title': 'Dingbridge console',
  'nav.overview': 'Overview',
  'nav.runs': 'Runs',
  'nav.bindings': 'Bindings',
  'nav.directory': 'Directory',
  'lang.switch': '中文',
  'lang.switchLabel': 'Switch to Chinese',
  'signIn.title': 'Sign in to Dingbridge',
  'signIn.token': 'Admin token',
  'signIn.tokenHelp': 'The server writes it to DATA_DIR/admin-token on first start.',
  'signIn.submit': 'Sign in',
  'signIn.required': 'Enter the admin token',
  'signOut': 'Sign out',
  'common.name': 'Name',
  'common.status': 'Status',
  'common.kind': 'Kind',
  'common.created': 'Created',
  'common.actions': 'Actions',
  'common.refresh': 'Refresh',
  'common.none': 'None',
  'common.all': 'All',
  'common.open': 'Open',
  'common.back': 'Back',
  'overview.bindings': 'Bindings',
  'overview.held': 'Held runs waiting for a decision',
  'overview.recent': 'Recent runs',
  'overview.lastRun': 'Last run',
  'overview.noRuns': 'never run',
  'runs.title': 'Runs',
  'runs.binding': 'Binding',
  'runs.applied': 'Applied',
  'runs.failed': 'Failed',
  'runs.skipped': 'Skipped',
  'runs.step': 'Step',
  'runs.dryRun': 'dry run',
  'runs.detail': 'Run',
  'runs.progress': 'Progress',
  'runs.planned': 'Planned operations',
  'runs.apiCalls': 'DingTalk calls',
  'runs.guard': 'Why it was held',
  'runs.approve': 'Approve and apply',
  'runs.reject': 'Reject',
  'runs.approved': 'Approved: the plan is being applied',
  'runs.rejected': 'Rejected',
  'runs.error': 'Error',
  'runs.ops': 'Operations',
  'runs.op': 'Operation',
  'runs.target': 'Target',
  'runs.reason': 'Reason',
  'runs.filter': 'Filter operations by status',
  'bindings.title': 'Bindings',
  'bindings.corpId': 'CorpId',
  'bindings.appKey': 'AppKey',
  'bindings.events': 'Events',
  'bindings.schedule': 'Next scheduled sync',
  'bindings.sync': 'Run full sync',
  'bindings.syncQueued': 'Full sync queued',
  'bindings.check': 'Check',
  'bindings.checkOk': 'Every check passed',
  'bindings.checkFailed': 'Some checks need attention',
  'bindings.item': 'Item',
  'bindings.message': 'Found',
  'bindings.hint': 'What to do',
  'bindings.runs': 'Runs of this binding',
  'directory.title': 'Directory',
  'directory.units': 'Units',
  'directory.accounts': 'Accounts',
  'directory.search': 'Search by name, username, email, mobile or job number',
  'directory.username': 'Username',
  'directory.displayName': 'Name',
  'directory.email': 'Email',
  'directory.mobile': 'Mobile',
  'directory.title2': 'Title',
  'directory.total': '{n} accounts',
  'step.crawl': 'Crawl DingTalk',
  'step.load': 'Load directory',
  'step.plan': 'Plan',
  'step.guard': 'Guard',
  'step.apply': 'Apply',
  'status.queued': 'Queued',
  'status.running': 'Running',
  'status.succeeded': 'Succeeded',
  'status.partial': 'Partial',
  'status.failed': 'Failed',
  'status.held': 'Held',
  'status.rejected': 'Rejected',
  'status.planned': 'Planned',
  'status.applied': 'Applied',
  'status.skipped': 'Skipped',
  'status.ok': 'OK',
  'status.missing': 'Missing',
  'status.enabled': 'Enabled',
  'status.disabled': 'Disabled',
};
export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'app.title': 'Dingbridge 控制台',
  'nav.overview': '概览',
  'nav.runs': '同步任务',
  'nav.bindings': '钉钉绑定',
  'nav.directory': '组织架构',
  'lang.switch': 'English',
  'lang.switchLabel': '切换到英文',
  'signIn.title': '登录 Dingbridge',
  'signIn.token': '管理员令牌',
  'signIn.tokenHelp': '服务首次启动时写入 DATA_DIR/admin-token。',
  'signIn.submit': '登录',
  'signIn.required': '请输入管理员令牌',
  'signOut': '退出登录',
  'common.name': '名称',
  'common.status': '状态',
  'common.kind': '类型',
  'common.created': '创建时间',
  'common.actions': '操作',
  'common.refresh': '刷新',
  'common.none': '无',
  'common.all': '全部',
  'common.open': '查看',
  'common.back': '返回',
  'overview.bindings': '钉钉绑定',
  'overview.held': '待审批的同步任务',
  'overview.recent': '最近的同步任务',
  'overview.lastRun': '最近一次同步',
  'overview.noRuns': '尚未同步',
  'runs.title': '同步任务',
  'runs.binding': '绑定',
  'runs.applied': '已应用',
  'runs.failed': '失败',
  'runs.skipped': '已跳过',
  'runs.step': '阶段',
  'runs.dryRun': '试运行',
  'runs.detail': '同步任务',
  'runs.progress': '进度',
  'runs.planned': '计划的操作',
  'runs.apiCalls': '钉钉接口调用',
  'runs.guard': '暂停原因',
  'runs.approve': '批准并应用',
  'runs.reject': '拒绝',
  'runs.approved': '已批准：正在应用计划',
  'runs.rejected': '已拒绝',
  'runs.error': '错误',
  'runs.ops': '操作明细',
  'runs.op': '操作',
  'runs.target': '对象',
  'runs.reason': '原因',
  'runs.filter': '按状态筛选操作',
  'bindings.title': '钉钉绑定',
  'bindings.corpId': 'CorpId',
  'bindings.appKey': 'AppKey',
  'bindings.events': '事件订阅',
  'bindings.schedule': '下次定时同步',
  'bindings.sync': '立即全量同步',
  'bindings.syncQueued': '全量同步已排队',
  'bindings.check': '权限自检',
  'bindings.checkOk': '全部检查通过',
  'bindings.checkFailed': '部分检查未通过',
  'bindings.item': '检查项',
  'bindings.message': '结果',
  'bindings.hint': '处理建议',
  'bindings.runs': '该绑定的同步任务',
  'directory.title': '组织架构',
  'directory.units': '部门',
  'directory.accounts': '账号',
  'directory.search': '按姓名、用户名、邮箱、手机号或工号搜索',
  'directory.username': '用户名',
  'directory.displayName': '姓名',
  'directory.email': '邮箱',
  'directory.mobile': '手机号',
  'directory.title2': '职位',
  'directory.total': '共 {n} 个账号',
  'step.crawl': '读取钉钉',
  'step.load': '读取本地目录',
  'step.plan': '生成计划',
  'step.guard': '安全检查',
  'step.apply': '应用变更',
  'status.queued': '排队中',
  'status.running': '运行中',
  'status.succeeded': '成功',
  'status.partial': '部分成功',
  'status.failed': '失败',
  'status.held': '待审批',
  'status.rejected': '已拒绝',
  'status.planned': '已计划',
  'status.applied': '已应用',
  'status.skipped': '已跳过',
  'status.ok': '通过',
  'status.missing': '缺失',
  'status.enabled': '启用',
  'status.disabled': '停用',
};

const catalogues: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zh };
const antdLocales: Record<Lang, AntdLocale> = { en: enUS, 'zh-CN': zhCN };

/** The stored choice, else `zh-CN` for any Chinese browser language, else English. */
export function initialLang(): Lang {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'en' || stored === 'zh-CN') return stored;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export interface I18n {
  lang: Lang;
  antdLocale: AntdLocale;
  setLang: (lang: Lang) => void;
  /** The message for `key`, with `{name}` placeholders filled from `values`. */
  t: (key: MessageKey, values?: Record<string, string | number>) => string;
}

const I18nContext = createContext<I18n | undefined>(undefined);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const value = useMemo<I18n>(() => {
    document.documentElement.lang = lang;
    return {
      lang,
      antdLocale: antdLocales[lang],
      setLang(next) {
        localStorage.setItem(STORAGE_KEY, next);
        setLangState(next);
      },
      t(key, values) {
        let text = catalogues[lang][key];
        for (const [name, v] of Object.entries(values ?? {})) text = text.replace(`{${name}}`, String(v));
        return text;
      },
    };
  }, [lang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/**
 * The current language and its messages.
 *
 * @example
 * const { t } = useI18n();
 * return <h1>{t('nav.runs')}</h1>;
 */
export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
