import { useCallback, useEffect, useId, useState, type ReactNode } from 'react';
import type { AppInfo } from '../../shared/contract';
import type { AppSettings } from '../../shared/domain/settings';
import { errorText } from '../format';
import { isUnsupported, NotHere, Toggle } from '../settings/controls';
import { LlmSection } from '../settings/LlmSection';
import { RulesFileSection } from '../settings/RulesFileSection';
import { secretsNote } from '../settings/secrets-backend';
import '../settings/settings.css';

type Patch = Parameters<typeof window.solon.settings.update>[0];

/**
 * Settings: switches save the moment they move; text fields (the model's endpoint) save with
 * their own Save button, and problems show at the field.
 */
export function SettingsView() {
  const [settings, setSettings] = useState<AppSettings | undefined>();
  const [info, setInfo] = useState<AppInfo | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    window.solon.settings.get().then(
      (s) => live && setSettings(s),
      (e: unknown) => live && setError(errorText(e)),
    );
    window.solon.app.info().then(
      (i) => live && setInfo(i),
      () => undefined, // the Data section says it cannot tell; the rest still works
    );
    return () => {
      live = false;
    };
  }, []);

  /** Save a patch; the answer is the whole new settings (patches merge in main). */
  const save = useCallback(async (patch: Patch): Promise<AppSettings> => {
    const next = await window.solon.settings.update(patch);
    setSettings(next);
    return next;
  }, []);

  if (error)
    return (
      <section aria-label="Settings">
        <p role="alert" className="banner error">
          {error}
        </p>
      </section>
    );
  if (!settings)
    return (
      <section aria-label="Settings">
        <p className="muted">Loading…</p>
      </section>
    );

  const n = settings.notifications;
  return (
    <section aria-label="Settings" className="settings">
      <Group title="Notifications">
        <Toggle
          label="Show notifications"
          hint="Turn off to never be interrupted by Solon."
          checked={n.enabled}
          onSave={(enabled) => save({ notifications: { enabled } })}
        />
        <div className="sub-settings">
          <Toggle
            label="Connection lost"
            hint="When an account stays offline for a while, and when it is back."
            checked={n.connectionLost}
            disabled={!n.enabled}
            onSave={(connectionLost) => save({ notifications: { connectionLost } })}
          />
          <Toggle
            label="Rule notifications"
            hint="When a rule with the “notify” action handles a message."
            checked={n.ruleNotify}
            disabled={!n.enabled}
            onSave={(ruleNotify) => save({ notifications: { ruleNotify } })}
          />
        </div>
      </Group>
      <Group title="Startup">
        <Toggle
          label="Start at login"
          hint="Solon starts in the tray when you log in, so mail is sorted without opening it."
          checked={settings.startAtLogin}
          onSave={(startAtLogin) => save({ startAtLogin })}
        />
      </Group>
      <LlmSection saved={settings.llm} save={save} />
      <DataSection info={info} />
      <RulesFileSection save={save} />
    </section>
  );
}

function Group(props: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section className="settings-group" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{props.title}</h2>
      <div className="panel">{props.children}</div>
    </section>
  );
}

function DataSection({ info }: { info: AppInfo | undefined }) {
  const [openError, setOpenError] = useState<string | undefined>();
  const [unsupported, setUnsupported] = useState(false);
  const note = info ? secretsNote(info) : undefined;

  async function open() {
    setOpenError(undefined);
    try {
      await window.solon.app.openDataFolder();
    } catch (e) {
      if (isUnsupported(e)) setUnsupported(true);
      else setOpenError(`Could not open it: ${errorText(e)}`);
    }
  }

  return (
    <Group title="Data">
      <div className="setting-row">
        <div className="setting-text">
          <p className="setting-label">Data folder</p>
          <p className="setting-hint">Checkpoints, the activity log and logs.</p>
          {info === undefined ? (
            <p className="muted">Unknown.</p>
          ) : info.dataDir ? (
            <code className="path" data-testid="data-dir">
              {info.dataDir}
            </code>
          ) : (
            <p className="muted">None here.</p>
          )}
          {openError && (
            <p role="alert" className="field-error">
              {openError}
            </p>
          )}
          {unsupported && <NotHere>There is no file manager to open it with here.</NotHere>}
        </div>
        <button type="button" disabled={!info?.dataDir || unsupported} onClick={() => void open()}>
          Open folder
        </button>
      </div>
      <div className="setting-row">
        <div className="setting-text">
          <p className="setting-label">Passwords</p>
          {note ? (
            <p
              className={note.tone === 'warn' ? 'secrets-warning' : 'setting-hint'}
              data-testid="secrets-note"
            >
              {note.tone === 'warn' && <WarnIcon />}
              {note.text}
            </p>
          ) : (
            <p className="muted">Unknown.</p>
          )}
        </div>
      </div>
    </Group>
  );
}

function WarnIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
      <path d="M8 1.5 15 14H1L8 1.5Z" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M8 6v4M8 11.5v1" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
