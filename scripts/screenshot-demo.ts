/**
 * `node scripts/screenshot-demo.ts`: renders docs/demo-account.png from the real demo (the build, on
 * the embedded emulator, in Debian's Chromium): Alice signed in, an item in the cart, an address in her
 * book, then her account page with five tabs' events in the session panel. Run `npm run build` first.
 */
import { fileURLToPath } from 'node:url';
import { startDemo } from '../bench/lib/demo.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
// The bench's demo: the compiled launcher on free ports, no real store whatever .env says, Chromium as
// the browser tests launch it.
const demo = await startDemo();
const APP = demo.app;
try {
  const { browser } = demo;
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(`${APP}/`);
  await page.locator('[data-variant="gid://shopify/ProductVariant/42000000001"]').click();
  await page.getByTestId('cart-count').waitFor();
  const query = new URLSearchParams({
    returnTo: '/account',
    login_hint: 'alice@example.com',
    login_hint_mode: 'submit',
  });
  await page.goto(`${APP}/auth/login?${query.toString()}`);
  await page.getByTestId('profile-name').waitFor();
  const form = page.getByTestId('address-form');
  await form.getByLabel('Address', { exact: true }).fill('12 Rue des Lilas');
  await form.getByLabel('City').fill('Montréal');
  await form.getByLabel('Postal code').fill('H2X 1Y4');
  await form.getByLabel('State or province').fill('QC');
  await form.getByLabel('Country').selectOption('CA');
  await form.getByRole('button', { name: 'Add address' }).click();
  await page.getByTestId('address').first().waitFor();
  const tabs = await Promise.all(Array.from({ length: 4 }, () => context.newPage()));
  await Promise.all(tabs.map((tab) => tab.goto(`${APP}/account`)));
  await page.evaluate(() => window.storefront!.demo.expireSoon());
  await Promise.all(tabs.map((tab) => tab.evaluate(() => window.storefront!.client.query('{ customer { id } }'))));
  await page.bringToFront();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${root}/docs/demo-account.png`, fullPage: true });
  console.log('docs/demo-account.png written');
} finally {
  await demo.stop();
}
