// Text that came from a web page (titles, URLs, console names). React already escapes markup;
// this also turns invisible direction-control characters into visible marks, and isolates the
// text so nothing in it can reorder the interface around it.
import { splitControls } from './format';

export function SafeText({ value, className }: { value: string; className?: string }) {
  const parts = splitControls(value);
  return (
    <span className={className ? `safe-text ${className}` : 'safe-text'} dir="auto">
      {parts.length === 1 && !parts[0]!.control
        ? value
        : parts.map((part, i) =>
            part.control ? (
              <abbr key={i} className="control-mark" title={`${part.control.codePoint} (${part.control.name}), an invisible direction-control character in the original text`}>
                {`⟨${part.control.name}⟩`}
              </abbr>
            ) : (
              part.text
            ),
          )}
    </span>
  );
}
