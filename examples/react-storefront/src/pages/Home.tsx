import { useEffect, useState } from 'react';
import { useCustomerSession } from 'shopify-customer-session/react';

interface Product {
  readonly handle: string;
  readonly title: string;
  readonly price: string;
}

/**
 * The storefront's own data (server.ts `/api/catalog/products`), through its own Workbox route
 * (src/sw.ts, network first): the last answer still shows offline. No customer API call here.
 */
function useCatalog(): { products: readonly Product[] | null; failed: boolean } {
  const [products, setProducts] = useState<readonly Product[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    fetch('/api/catalog/products')
      .then((response) => (response.ok ? (response.json() as Promise<{ products: Product[] }>) : Promise.reject()))
      .then(
        (body) => live && setProducts(body.products),
        () => live && setFailed(true),
      );
    return () => {
      live = false;
    };
  }, []);
  return { products, failed };
}

export function Home() {
  const { status, customer } = useCustomerSession();
  const { products, failed } = useCatalog();
  return (
    <>
      <h1>{status === 'signed-in' ? `Welcome back, ${customer?.email ?? ''}` : 'Welcome'}</h1>
      <h2>Featured products</h2>
      {failed && <p role="alert">The catalog is unavailable.</p>}
      {products === null && !failed && <p>Loading the catalog…</p>}
      <ul className="products" data-testid="products">
        {products?.map((product) => (
          <li key={product.handle}>
            <span>{product.title}</span> <span className="price">{product.price}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
