/**
 * The binding wizard (`/bindings/new`), in the steps of Alibaba Cloud IDaaS's DingTalk identity-provider flow:
 * basic information with a live credential test → the permission self-check → scenarios → field mapping and
 * matching with a preview on real people → event subscription. Every step saves through the admin API before going
 * on, so leaving half-way leaves a working binding; visited steps stay mounted (hidden), so going back keeps what
 * was typed.
 */
import { Steps, Typography } from 'antd';
import { useState, type ReactNode } from 'react';
import type { BindingView } from '../../api-client.ts';
import { useI18n } from '../../i18n.tsx';
import { navigate } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { ErrorAlert } from '../../ui.tsx';
import { BasicStep } from './BasicStep.tsx';
import { CheckStep } from './CheckStep.tsx';
import { EventsStep } from './EventsStep.tsx';
import { MappingStep } from './MappingStep.tsx';
import { ScenariosStep, type ScenarioChoices } from './ScenariosStep.tsx';

const STEP_KEYS = ['wizard.step.basic', 'wizard.step.check', 'wizard.step.scenarios', 'wizard.step.mapping', 'wizard.step.events'] as const;

export function BindingWizardPage() {
  const { t } = useI18n();
  const { api } = useSession();
  const [step, setStep] = useState(0);
  const [visited, setVisited] = useState(1);
  const [binding, setBinding] = useState<BindingView>();
  const [choices, setChoices] = useState<ScenarioChoices>();
  const [finishError, setFinishError] = useState<Error>();
  const [finishing, setFinishing] = useState(false);

  const go = (next: number) => {
    setStep(next);
    setVisited((n) => Math.max(n, next + 1));
    window.scrollTo(0, 0);
  };
  const eventsOff = choices?.events === 'off';

  /** The binding's page, or the first run's when "full sync now" was chosen. */
  const finish = async (saved: BindingView) => {
    setFinishing(true);
    setFinishError(undefined);
    try {
      if (choices?.fullSyncNow) {
        const run = await api.syncBinding(saved.id);
        navigate(`/runs/${run.id}`);
      } else {
        navigate(`/bindings/${saved.id}`);
      }
    } catch (error) {
      setFinishError(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setFinishing(false);
    }
  };

  const panel = (index: number, content: ReactNode) =>
    visited > index ? (
      <section hidden={step !== index} aria-label={t(STEP_KEYS[index]!)} data-testid={`wizard-step-${index + 1}`}>
        {content}
      </section>
    ) : null;

  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('wizard.title')}
      </Typography.Title>
      <Steps
        current={step}
        data-testid="wizard-steps"
        style={{ marginBottom: 24 }}
        items={STEP_KEYS.map((key, index) => ({
          title: t(key),
          ...(index === 4 && eventsOff ? { description: t('wizard.step.skipped') } : {}),
        }))}
      />
      <ErrorAlert error={finishError} />
      {panel(
        0,
        <BasicStep
          binding={binding}
          onSaved={(view) => {
            setBinding(view);
            go(1);
          }}
        />,
      )}
      {binding &&
        panel(1, <CheckStep binding={binding} active={step === 1} onBack={() => go(0)} onNext={() => go(2)} />)}
      {binding &&
        panel(
          2,
          <ScenariosStep
            binding={binding}
            onBack={() => go(1)}
            onSaved={(view, chosen) => {
              setBinding(view);
              setChoices(chosen);
              go(3);
            }}
          />,
        )}
      {binding &&
        panel(
          3,
          <MappingStep
            binding={binding}
            last={eventsOff}
            finishing={finishing}
            onBack={() => go(2)}
            onSaved={(view) => {
              setBinding(view);
              if (eventsOff) void finish(view);
              else go(4);
            }}
          />,
        )}
      {binding && choices && choices.events !== 'off' &&
        panel(
          4,
          <EventsStep
            binding={binding}
            mode={choices.events}
            active={step === 4}
            finishing={finishing}
            onBack={() => go(3)}
            onSaved={setBinding}
            onFinish={() => void finish(binding)}
          />,
        )}
    </>
  );
}
