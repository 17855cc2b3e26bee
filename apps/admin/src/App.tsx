import { lazy, Suspense, useEffect, useState, type MouseEvent } from 'react';
import type { Session } from './api';
import { Callback, SignIn } from './pages/SignIn';
import { navigate, useRoute } from './router';
import { useApi } from './ui';

// Each page is its own chunk: the sign-in page does not wait for Chart.js or the base map.
const Uploads = lazy(() => import('./pages/Uploads').then((m) => ({ default: m.Uploads })));
const LiveMap = lazy(() => import('./pages/LiveMap').then((m) => ({ default: m.LiveMap })));
const Reports = lazy(() => import('./pages/Reports').then((m) => ({ default: m.Reports })));
const Social = lazy(() => import('./pages/Social').then((m) => ({ default: m.Social })));
const Accounts = lazy(() => import('./pages/Accounts').then((m) => ({ default: m.Accounts })));
const Retailers = lazy(() => import('./pages/Retailers').then((m) => ({ default: m.Retailers })));
const DeadLetters = lazy(() => import('./pages/DeadLetters').then((m) => ({ default: m.DeadLetters })));

const PAGES = [
  { path: '/uploads', label: 'Data uploads', Page: Uploads },
  { path: '/map', label: 'Live map', Page: LiveMap },
  { path: '/reports', label: 'Reports', Page: Reports },
  { path: '/social', label: 'Social', Page: Social },
  { path: '/accounts', label: 'Accounts & audit', Page: Accounts },
  { path: '/retailers', label: 'Retailer keys', Page: Retailers },
  { path: '/dead-letters', label: 'Dead letters', Page: DeadLetters },
] as const;

export function App() {
  const api = useApi();
  const route = useRoute();
  const [session, setSession] = useState<Session | null>(api.current);
  const [refusal, setRefusal] = useState<string | null>(null);
  useEffect(() => api.onChange(setSession), [api]);

  if (route === '/callback') return <Callback onRefused={setRefusal} />;
  if (!session || session.account.role !== 'admin') return <SignIn refusal={refusal} />;

  const page = PAGES.find((p) => p.path === route) ?? PAGES[0];
  const go = (e: MouseEvent<HTMLAnchorElement>, path: string) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(path);
  };
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header>
        <span className="brand">Hey Blue! admin</span>
        <nav aria-label="Sections">
          <ul>
            {PAGES.map((p) => (
              <li key={p.path}>
                <a
                  href={`/admin${p.path}`}
                  aria-current={p === page ? 'page' : undefined}
                  onClick={(e) => go(e, p.path)}
                >
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={() => void api.logout()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <h1>{page.label}</h1>
        <Suspense
          fallback={
            <p aria-live="polite" data-testid="page-loading">
              Loading…
            </p>
          }
        >
          <page.Page />
        </Suspense>
      </main>
    </div>
  );
}
