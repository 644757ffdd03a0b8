import { AlertIcon } from './icons';

/** The red notice a form or page shows when something failed; nothing when there is no message. */
export function ErrorNotice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="notice notice-error" role="alert">
      <AlertIcon />
      <p>{message}</p>
    </div>
  );
}
