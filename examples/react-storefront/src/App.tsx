import type { JSX } from 'react';
import { useCustomerSession } from 'shopify-customer-session/react';
import { Account } from './pages/Account';
import { Home } from './pages/Home';

/** Two pages, chosen by path: the SW serves the same precached index.html for both. */
const PAGES: Record<string, () => JSX.Element> = { '/': Home, '/account': Account };

function Header() {
  const { status, customer, offline, refreshing, signIn, signOut } = useCustomerSession();
  return (
    <header>
      <a className="brand" href="/">
        Example storefront
      </a>
      <nav>
        <a href="/">Shop</a>
        <a href="/account">Account</a>
      </nav>
      <div className="session" data-testid="session" data-status={status}>
        {offline && <span className="badge">Offline</span>}
        {refreshing && <span className="badge">Refreshing…</span>}
        {status === 'signed-in' && (
          <>
            <span data-testid="signed-in-as">{customer?.email ?? 'Signed in'}</span>
            <button onClick={signOut}>Sign out</button>
          </>
        )}
        {status === 'signed-out' && (
          <button onClick={() => signIn({ returnTo: '/account', locale: document.documentElement.lang })}>
            Sign in
          </button>
        )}
      </div>
    </header>
  );
}

function NotFound() {
  return <h1>Page not found</h1>;
}

export function App() {
  const Page = PAGES[location.pathname] ?? NotFound;
  return (
    <>
      <Header />
      <main>
        <Page />
      </main>
    </>
  );
}
