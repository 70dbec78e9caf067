/**
 * The console's two languages: antd's own locale plus a small message catalogue. The choice is kept in
 * localStorage (per browser profile, i.e. per user); the first visit follows `navigator.language`.
 */
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import type { Locale as AntdLocale } from 'antd/es/locale';
import * as core from './messages/core.ts';
import * as admin from './messages/admin.ts';
import * as directory from './messages/directory.ts';
import * as overview from './messages/overview.ts';
import * as runs from './messages/runs.ts';
import * as wizard from './messages/wizard.ts';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export type Lang = 'zh-CN' | 'en';
const STORAGE_KEY = 'dingbridge.lang';

/**
 * The catalogue: one file per area under `messages/`, each with its English messages and a Chinese one typed
 * against them (a missing translation fails `tsc -p web`). Keys are prefixed by area, so they never clash.
 */
const en = { ...core.en, ...admin.en, ...directory.en, ...overview.en, ...runs.en, ...wizard.en };
export type MessageKey = keyof typeof en;
const zh: Record<MessageKey, string> = { ...core.zh, ...admin.zh, ...directory.zh, ...overview.zh, ...runs.zh, ...wizard.zh };

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
