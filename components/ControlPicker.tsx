// Choose the controls a capture supports: type to search ids and titles, arrow keys to move,
// Enter to toggle. Enter with nothing highlighted is left to the surrounding form, so in the popup
// it captures. A WAI-ARIA combobox with a multi-select listbox.
import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Control } from '@/lib/schema';
import { CrossIcon } from './icons';

export type ControlOption = Pick<Control, 'id' | 'title' | 'builtIn'>;

export interface ControlPickerProps {
  label: string;
  controls: readonly ControlOption[];
  value: readonly string[];
  onChange(ids: string[]): void;
  /** Ids most recently used for tagging, newest first: listed before everything else. */
  recent?: readonly string[];
  placeholder?: string;
  disabled?: boolean;
  /** Quick toggles for the most recent controls under the field. */
  recentChips?: number;
  autoFocus?: boolean;
}

interface Group {
  label: string;
  options: ControlOption[];
}

const MAX_MATCHES = 60;

function rank(option: ControlOption, q: string): number {
  const id = option.id.toLowerCase();
  if (id === q) return 0;
  if (id.startsWith(q)) return 1;
  if (id.includes(q)) return 2;
  const title = option.title.toLowerCase();
  if (title.startsWith(q)) return 3;
  if (title.includes(q)) return 4;
  return -1;
}

export function ControlPicker({ label, controls, value, onChange, recent = [], placeholder, disabled, recentChips = 0, autoFocus }: ControlPickerProps) {
  const baseId = useId();
  const inputId = `${baseId}-input`;
  const listId = `${baseId}-list`;
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const inputRef = useRef<HTMLInputElement>(null);
  const byId = useMemo(() => new Map(controls.map((c) => [c.id, c])), [controls]);
  const selected = new Set(value);

  const groups = useMemo<Group[]>(() => {
    const q = query.trim().toLowerCase();
    if (q) {
      const matches = controls
        .map((c) => ({ c, r: rank(c, q) }))
        .filter((m) => m.r >= 0)
        .sort((a, b) => a.r - b.r)
        .slice(0, MAX_MATCHES)
        .map((m) => m.c);
      return [{ label: matches.length ? 'Matching controls' : 'No control matches', options: matches }];
    }
    const recentOptions = recent.map((id) => byId.get(id)).filter((c): c is ControlOption => !!c).slice(0, 8);
    const recentIds = new Set(recentOptions.map((c) => c.id));
    const rest = controls.filter((c) => !recentIds.has(c.id));
    return [
      { label: 'Recently used', options: recentOptions },
      { label: 'Your controls', options: rest.filter((c) => !c.builtIn) },
      { label: 'SOC 2 criteria', options: rest.filter((c) => c.builtIn) },
    ].filter((g) => g.options.length > 0);
  }, [query, controls, recent, byId]);
  const flat = groups.flatMap((g) => g.options);

  function toggle(id: string) {
    onChange(selected.has(id) ? value.filter((v) => v !== id) : [...value, id]);
  }

  // The list closes after each pick so it never sits over the fields that come next; typing
  // opens it again for the next control.
  function choose(option: ControlOption) {
    toggle(option.id);
    setQuery('');
    setActive(-1);
    setOpen(false);
    inputRef.current?.focus();
  }

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) {
        setOpen(true);
        setActive(0);
        return;
      }
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (flat.length === 0 ? -1 : (i + step + flat.length) % flat.length));
    } else if (e.key === 'Enter') {
      const option = open ? flat[active] : undefined;
      if (option) {
        e.preventDefault();
        choose(option);
      }
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
        setActive(-1);
      }
    } else if (e.key === 'Backspace' && query === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  }

  const activeOption = open ? flat[active] : undefined;
  const optionDomId = (id: string) => `${baseId}-opt-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const quick = recent.map((id) => byId.get(id)).filter((c): c is ControlOption => !!c).slice(0, recentChips);

  return (
    <div className="control-picker">
      <label className="field-label" htmlFor={inputId}>
        {label}
      </label>
      <div className="control-picker-box">
        <div
          className={`control-picker-field${disabled ? ' is-disabled' : ''}`}
          onMouseDown={(e) => {
            if (e.target === e.currentTarget) {
              e.preventDefault();
              inputRef.current?.focus();
              setOpen(true);
            }
          }}
        >
          {value.length > 0 && (
            <ul className="control-chips" aria-label={`Selected ${label.toLowerCase()}`}>
              {value.map((id) => (
                <li key={id} className="control-chip" title={byId.get(id)?.title ?? id}>
                  <span>{id}</span>
                  <button type="button" aria-label={`Remove ${id}`} disabled={disabled} onClick={() => toggle(id)}>
                    <CrossIcon size={12} />
                  </button>
                </li>
              ))}
            </ul>
          )}
          <input
            ref={inputRef}
            id={inputId}
            type="text"
            role="combobox"
            aria-expanded={open}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={activeOption ? optionDomId(activeOption.id) : undefined}
              autoComplete="off"
            spellCheck={false}
            autoFocus={autoFocus}
            disabled={disabled}
            placeholder={value.length ? '' : placeholder}
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setOpen(true);
              setActive(e.target.value.trim() ? 0 : -1);
            }}
            onClick={() => setOpen(true)}
            onKeyDown={onKeyDown}
            onBlur={() => {
              setOpen(false);
              setActive(-1);
            }}
          />
        </div>
        <ul id={listId} role="listbox" aria-multiselectable="true" aria-label={label} className="control-list" hidden={!open}>
          {open &&
            groups.map((group) => (
              <li key={group.label} role="group" aria-labelledby={`${baseId}-${group.label.replace(/\W/g, '')}`}>
                <div className="control-group-label" id={`${baseId}-${group.label.replace(/\W/g, '')}`}>
                  {group.label}
                </div>
                <ul role="presentation">
                  {group.options.map((option) => {
                    const isActive = activeOption?.id === option.id;
                    return (
                      <li
                        key={option.id}
                        id={optionDomId(option.id)}
                        role="option"
                        aria-selected={selected.has(option.id)}
                        aria-label={`${option.id} ${option.title}`}
                        className={`control-option${isActive ? ' is-active' : ''}`}
                        // Keep focus in the input so the list does not close before the click lands.
                        onMouseDown={(e) => e.preventDefault()}
                        onClick={() => choose(option)}
                        onMouseEnter={() => setActive(flat.indexOf(option))}
                      >
                        <span className="control-check" aria-hidden="true">
                          {selected.has(option.id) ? '✓' : ''}
                        </span>
                        <span className="control-option-id">{option.id}</span>
                        <span className="control-option-title">{option.title}</span>
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
        </ul>
      </div>
      {quick.length > 0 && (
        <div className="control-quick" role="group" aria-label="Recently used controls">
          {quick.map((c) => (
            <button key={c.id} type="button" className="quick-chip" aria-pressed={selected.has(c.id)} title={c.title} disabled={disabled} onClick={() => toggle(c.id)}>
              {c.id}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
