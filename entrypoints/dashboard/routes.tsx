// The dashboard's pages. A new page (Bundles, Sync, Coverage …) is one more entry here: it gets a
// hash route, a place in the navigation (unless its path has parameters) and the window title.
import { CalendarIcon, GearIcon, GridIcon, ShieldIcon, UploadIcon } from '@/components/icons';
import { BundlesPage } from './pages/BundlesPage';
import { CapturePage } from './pages/CapturePage';
import { ControlsPage } from './pages/ControlsPage';
import { LibraryPage } from './pages/LibraryPage';
import { PeriodsPage } from './pages/PeriodsPage';
import { ReadinessIcon, ReadinessPage } from './pages/ReadinessPage';
import { RequestsIcon, RequestsPage } from './pages/RequestsPage';
import { SettingsPage } from './pages/SettingsPage';
import { SyncIcon, SyncPage } from './pages/SyncPage';
import { WelcomePage } from './pages/WelcomePage';
import type { RouteDef } from './router';

export const routes: RouteDef[] = [
  { path: '/readiness', label: 'Readiness', component: ReadinessPage, icon: <ReadinessIcon /> },
  { path: '/library', label: 'Library', component: LibraryPage, icon: <GridIcon /> },
  { path: '/capture/:id', label: 'Capture', component: CapturePage },
  { path: '/controls', label: 'Controls', component: ControlsPage, icon: <ShieldIcon /> },
  { path: '/periods', label: 'Audit periods', component: PeriodsPage, icon: <CalendarIcon /> },
  { path: '/requests', label: 'Requests', component: RequestsPage, icon: <RequestsIcon /> },
  { path: '/bundles', label: 'Bundles', component: BundlesPage, icon: <UploadIcon /> },
  { path: '/sync', label: 'Sync', component: SyncPage, icon: <SyncIcon /> },
  { path: '/settings', label: 'Settings', component: SettingsPage, icon: <GearIcon /> },
  { path: '/welcome', label: 'Welcome', component: WelcomePage, nav: false },
];
