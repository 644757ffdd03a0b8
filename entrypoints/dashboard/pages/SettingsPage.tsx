// Who is capturing, this installation's signing key (for the auditor), and the optional
// permission that lets Exhibit capture tabs without a click.
import { useState, type ChangeEvent } from 'react';
import { browser } from 'wxt/browser';
import { CopyButton } from '@/components/CopyButton';
import { groupHex } from '@/components/format';
import { CheckIcon } from '@/components/icons';
import { CapturerForm } from '../CapturerForm';
import { useSettings } from '../settings';
import { ErrorNotice } from '@/components/ErrorNotice';

const ALL_URLS = { origins: ['<all_urls>'] };

export function SettingsPage() {
  const { settings, refresh } = useSettings();
  const [saved, setSaved] = useState(false);
  return (
    <section className="page page-settings" aria-labelledby="settings-title">
      <header className="page-head">
        <div>
          <h1 id="settings-title">Settings</h1>
          <p className="page-sub">Stored in this browser only; nothing here is synced or sent anywhere.</p>
        </div>
      </header>

      <section className="card-panel" aria-labelledby="capturer-title">
        <h2 className="panel-title" id="capturer-title">
          Capturer and organization
        </h2>
        <p className="panel-sub">Every capture is signed with the capturer’s name and email. Changing them affects new captures only.</p>
        {saved && (
          <div className="notice notice-ok" role="status">
            <CheckIcon size={16} />
            <p>Saved. New captures name {settings?.capturer?.name ?? 'the new capturer'}.</p>
          </div>
        )}
        {settings && (
          <CapturerForm
            key={settings.capturer?.email ?? 'none'}
            settings={settings}
            submitLabel="Save"
            onSaved={async () => {
              await refresh();
              setSaved(true);
            }}
          />
        )}
      </section>

      <section className="card-panel" aria-labelledby="key-title">
        <h2 className="panel-title" id="key-title">
          Signing key
        </h2>
        <p className="panel-sub">
          This browser signs every capture with its own ECDSA P-256 key; the private key never leaves it. Give this fingerprint to your auditor so they can tell your evidence is
          yours.
        </p>
        {settings && (
          <dl className="key-facts">
            <div>
              <dt>Fingerprint (SHA-256)</dt>
              <dd className="fingerprint">
                <code aria-label="Signing key fingerprint">{groupHex(settings.signingKeyFingerprint)}</code>
                <CopyButton value={settings.signingKeyFingerprint} label="Copy signing key fingerprint" />
              </dd>
            </div>
            <div>
              <dt>Public key (JWK)</dt>
              <dd>
                <a
                  className="button button-small"
                  href={`data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(settings.publicKeyJwk, null, 2))}`}
                  download={`exhibit-public-key-${settings.signingKeyFingerprint.slice(0, 12)}.jwk.json`}
                >
                  Download public key
                </a>
              </dd>
            </div>
            <div>
              <dt>Installation</dt>
              <dd>
                <code>{settings.installationId}</code>
              </dd>
            </div>
          </dl>
        )}
      </section>

      {settings && <PermissionToggle enabled={settings.capturesWithoutGesture} onChanged={refresh} />}
    </section>
  );
}

function PermissionToggle({ enabled, onChanged }: { enabled: boolean; onChanged(): Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  function toggle(e: ChangeEvent<HTMLInputElement>) {
    const want = e.target.checked;
    setError(null);
    // The browser grants permissions only inside the click's user gesture: the request is made
    // here, synchronously, before anything is awaited.
    const change = want ? browser.permissions.request(ALL_URLS) : browser.permissions.remove(ALL_URLS);
    change.then(
      (done) => {
        if (!done) setError(want ? 'The browser did not grant the permission.' : 'The browser kept the permission.');
        return onChanged();
      },
      (err: Error) => {
        setError(
          /required/i.test(err.message)
            ? 'This build of Exhibit requires the permission (it is a test build), so it cannot be turned off here.'
            : `The browser refused: ${err.message}`,
        );
        return onChanged();
      },
    );
  }
  return (
    <section className="card-panel" aria-labelledby="gesture-title">
      <h2 className="panel-title" id="gesture-title">
        Captures without a click
      </h2>
      <div className="toggle-row">
        <div>
          <p className="toggle-text">
            Normally Exhibit may capture a tab only right after you click its toolbar button, use its shortcut or its page menu. Allowing captures without a click lets automation
            and scheduled captures run; it asks the browser for access to all sites.
          </p>
        </div>
        <label className="switch">
          <input type="checkbox" role="switch" checked={enabled} onChange={toggle} aria-describedby="gesture-state" />
          <span className="switch-track" aria-hidden="true" />
          <span>Allow captures without a click</span>
        </label>
      </div>
      <p className={`toggle-state ${enabled ? 'is-on' : ''}`} id="gesture-state">
        {enabled ? 'On: Exhibit can capture any open tab when asked through its message API.' : 'Off: Exhibit captures only after a click or shortcut.'}
      </p>
      <ErrorNotice message={error} />
    </section>
  );
}
