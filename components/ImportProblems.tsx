// The rows of an imported file that were refused, and why: one table for every import (controls,
// request lists). Messages quote the file, so they are shown as page text, never as markup.
import { SafeText } from './SafeText';

export interface ImportProblem {
  row: number;
  field?: string;
  message: string;
}

export function ImportProblems({ rows, label = 'Import problems' }: { rows: readonly ImportProblem[]; label?: string }) {
  if (rows.length === 0) return null;
  return (
    <table className="table table-compact" aria-label={label}>
      <thead>
        <tr>
          <th scope="col">Row</th>
          <th scope="col">Field</th>
          <th scope="col">Problem</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            <td>{r.row}</td>
            <td>{r.field ? <SafeText value={r.field} /> : '—'}</td>
            <td>
              <SafeText value={r.message} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
