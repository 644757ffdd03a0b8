// A labelled drop-down: the dashboard's filters and forms all draw their <select> this way.
import type { ReactNode } from 'react';

export interface SelectOption {
  value: string;
  label: string;
}

export interface SelectFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** A first option with the value '' ("Any control", "Anyone"). */
  anyLabel?: string;
  /** Options as values (shown as they are) or value/label pairs. */
  options?: readonly (string | SelectOption)[];
  /**
   * Shown for a value no option has (a deleted period, a system no capture has any more), so the
   * drop-down never pretends a different choice is in force. Defaults to the value itself.
   */
  missingLabel?: string;
  /** Options or groups after `options` (e.g. <optgroup>s). */
  children?: ReactNode;
  hint?: string;
  className?: string;
  disabled?: boolean;
  required?: boolean;
}

export function SelectField({ id, label, value, onChange, anyLabel, options = [], missingLabel, children, hint, className, disabled, required }: SelectFieldProps) {
  const pairs = options.map((o) => (typeof o === 'string' ? { value: o, label: o } : o));
  const missing = value !== '' && !children && !pairs.some((o) => o.value === value);
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="select" value={value} onChange={(e) => onChange(e.target.value)} disabled={disabled} required={required} aria-describedby={hintId}>
        {anyLabel !== undefined && <option value="">{anyLabel}</option>}
        {missing && <option value={value}>{missingLabel ?? value}</option>}
        {pairs.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
        {children}
      </select>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}
