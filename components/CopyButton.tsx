import { useEffect, useState } from 'react';
import { CheckIcon, CopyIcon } from './icons';

/** Copies `value`; `label` names what is copied for screen readers ("Copy SHA-256"). */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 1800);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      className={`copy-button copy-${state}`}
      aria-label={label}
      title={label}
      onClick={() => navigator.clipboard.writeText(value).then(() => setState('copied'), () => setState('failed'))}
    >
      {state === 'copied' ? <CheckIcon /> : <CopyIcon />}
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy'}</span>
    </button>
  );
}
