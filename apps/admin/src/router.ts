import { useEffect, useState } from 'react';

export const BASE = '/admin';

export function navigate(path: string, replace = false): void {
  const url = `${BASE}${path}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The path below /admin (e.g. `/map`), following pushState and the back button. */
export function useRoute(): string {
  const read = () => location.pathname.replace(/^\/admin/, '').replace(/\/$/, '') || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const on = () => setPath(read());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return path;
}
