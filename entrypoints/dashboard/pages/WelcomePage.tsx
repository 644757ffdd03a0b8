// First run: who is capturing and for which organization. Captures are refused until this is set.
import { CheckIcon, ShieldIcon } from '@/components/icons';
import { CapturerForm } from '../CapturerForm';
import { HOME_PATH, hrefTo, navigate } from '../router';
import { useSettings } from '../settings';

export function WelcomePage() {
  const { settings, refresh } = useSettings();
  const ready = settings !== null;
  return (
    <section className="page page-welcome" aria-labelledby="welcome-title">
      <div className="welcome">
        <div className="welcome-intro">
          <span className="welcome-mark" aria-hidden="true">
            <ShieldIcon size={26} />
          </span>
          <h1 id="welcome-title">Welcome to Exhibit</h1>
          <p className="lede">Evidence your auditor accepts on first sight: every capture records where, when, who and why, and is hashed and signed the moment it is taken.</p>
          <ul className="welcome-points">
            <li>
              <CheckIcon /> The page’s full address, UTC time and your time zone
            </li>
            <li>
              <CheckIcon /> The person capturing, named in the evidence itself
            </li>
            <li>
              <CheckIcon /> The SOC 2 controls the evidence supports
            </li>
            <li>
              <CheckIcon /> A SHA-256 hash and a signature by this browser’s own key
            </li>
          </ul>
        </div>
        <div className="card-panel welcome-form">
          <h2 className="panel-title">Who is capturing?</h2>
          <p className="panel-sub">
            {settings?.capturer
              ? 'You can change these details at any time; captures already taken keep the name they were signed with.'
              : 'Exhibit refuses to capture until this is set, so that every piece of evidence names the person who took it.'}
          </p>
          {ready && (
            <CapturerForm
              settings={settings}
              submitLabel={settings.capturer ? 'Save' : 'Save and start capturing'}
              onSaved={async () => {
                await refresh();
                navigate(hrefTo(HOME_PATH));
              }}
            />
          )}
        </div>
      </div>
    </section>
  );
}
