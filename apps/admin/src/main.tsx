import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiClient } from './api';
import { App } from './App';
import { ApiContext } from './ui';
import './styles.css';

const api = new ApiClient({ fetch: (...a) => fetch(...a), storage: sessionStorage });

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ApiContext.Provider value={api}>
      <App />
    </ApiContext.Provider>
  </StrictMode>,
);
