import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@/components/theme.css';
import '@/components/components.css';
import './redact.css';
import { RedactEditor } from './RedactEditor';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RedactEditor sessionId={location.hash.slice(1)} />
  </StrictMode>,
);
