/**
 * The demo storefront's account edits and cart, in the page: a name and an address round-trip through
 * the proxy, a bad address shows Shopify's userErrors in the page, and a cart made signed out checks
 * out as the customer once they sign in.
 */
import { expect, signIn, test, BOB } from './fixtures.ts';

test('name and address edits round-trip through the proxy; a bad address shows userErrors in the page', async ({
  shop,
}) => {
  const { page } = await shop.signedInContext(BOB);
  await expect(page.getByTestId('profile-name')).toHaveText('Bob Builder');

  const nameForm = page.getByTestId('name-form');
  await nameForm.getByLabel('First name').fill('Robert');
  await nameForm.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('profile-name')).toHaveText('Robert Builder');

  const addressForm = page.getByTestId('address-form');
  await addressForm.getByLabel('Address', { exact: true }).fill('1 Main St');
  await addressForm.getByLabel('Country').selectOption('US');
  await addressForm.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByTestId('address-errors').getByTestId('user-error')).toHaveText([
    'zoneCode: Zone code is missing',
  ]);
  await expect(page.getByTestId('address')).toHaveCount(0);

  await addressForm.getByLabel('State or province').fill('NY');
  await addressForm.getByLabel('City').fill('Albany');
  await addressForm.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByTestId('address')).toHaveCount(1);
  await expect(page.getByTestId('address')).toContainText('1 Main St');
  await expect(page.getByTestId('default-badge')).toHaveCount(1);
  await expect(page.getByTestId('address-errors')).toBeHidden();

  // Leave Bob as the other tests know him.
  await page.getByTestId('address').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('address')).toHaveCount(0);
  await nameForm.getByLabel('First name').fill('Bob');
  await nameForm.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('profile-name')).toHaveText('Bob Builder');
});

test('a cart made signed out checks out as the customer after sign-in', async ({ shop }) => {
  const context = await shop.newContext();
  const page = await context.newPage();
  await page.goto('/');
  await page.locator('[data-variant="gid://shopify/ProductVariant/42000000004"]').click();
  await expect(page.getByTestId('cart-count')).toHaveText('1 in your cart');
  await expect(page.getByTestId('checkout')).toHaveText('Checkout');

  await signIn(page, BOB, '/');
  await expect(page.getByTestId('checkout')).toHaveText(`Checkout as ${BOB}`);
  await expect(page.getByTestId('checkout')).toHaveAttribute('href', /\/cart\/c\//);
});
