/**
 * The account page's edits, through the Customer Account API like every other call: the customer's
 * name, and an address book with a default address. Shopify's `userErrors` are shown next to the form
 * that caused them. Mutations are never sent twice by the library or the BFF (README, "How a refresh
 * goes"): a failed save says so, and the customer decides.
 */
import { CustomerClientError, type CustomerClient } from '../lib/index.ts';
import { h, must } from './dom.ts';

interface UserError {
  readonly field: readonly string[] | null;
  readonly message: string;
}

interface Book {
  readonly customer: {
    readonly firstName: string | null;
    readonly lastName: string | null;
    readonly defaultAddress: { readonly id: string } | null;
    readonly addresses: {
      readonly nodes: ReadonlyArray<{ readonly id: string; readonly formatted: readonly string[] }>;
    };
  } | null;
}

const BOOK = `query Book {
  customer { firstName lastName defaultAddress { id } addresses(first: 20) { nodes { id formatted } } }
}`;
const UPDATE_NAME = `mutation Name($input: CustomerUpdateInput!) {
  customerUpdate(input: $input) { customer { displayName } userErrors { field message } }
}`;
const CREATE = `mutation Add($address: CustomerAddressInput!, $default: Boolean) {
  customerAddressCreate(address: $address, defaultAddress: $default) { customerAddress { id } userErrors { field message } }
}`;
const MAKE_DEFAULT = `mutation Default($id: ID!) {
  customerAddressUpdate(addressId: $id, defaultAddress: true) { customerAddress { id } userErrors { field message } }
}`;
const DELETE = `mutation Delete($id: ID!) {
  customerAddressDelete(addressId: $id) { deletedAddressId userErrors { field message } }
}`;

const describe = (error: unknown): string =>
  error instanceof CustomerClientError && error.code === 'OFFLINE'
    ? 'You are offline: nothing was saved.'
    : 'The store did not confirm the change. Reload to see whether it was saved.';

export function mountAccountEdits(client: CustomerClient, onNameChanged: () => void): { load(): Promise<void> } {
  const nameForm = must<HTMLFormElement>('[data-testid=name-form]');
  const nameErrors = must('[data-testid=name-errors]');
  const list = must('[data-testid=addresses]');
  const addressForm = must<HTMLFormElement>('[data-testid=address-form]');
  const addressErrors = must('[data-testid=address-errors]');

  const showErrors = (where: HTMLElement, errors: readonly UserError[] | string): void => {
    const lines =
      typeof errors === 'string' ? [errors] : errors.map((e) => `${e.field?.at(-1) ?? 'address'}: ${e.message}`);
    where.replaceChildren(...lines.map((line) => h('li', { 'data-testid': 'user-error' }, line)));
    where.hidden = lines.length === 0;
  };

  /** Runs a mutation and answers its payload's userErrors ([] when it went through). */
  async function mutate(
    doc: string,
    variables: Record<string, unknown>,
    payload: string,
  ): Promise<readonly UserError[]> {
    const { data, errors } = await client.query<Record<string, { userErrors: UserError[] }>>(doc, variables);
    if (errors !== undefined && errors.length > 0) return errors.map((e) => ({ field: null, message: e.message }));
    return data?.[payload]?.userErrors ?? [];
  }

  async function load(): Promise<void> {
    const { data } = await client.query<Book>(BOOK);
    const customer = data?.customer;
    if (!customer) return;
    (nameForm.elements.namedItem('firstName') as HTMLInputElement).value = customer.firstName ?? '';
    (nameForm.elements.namedItem('lastName') as HTMLInputElement).value = customer.lastName ?? '';
    const defaultId = customer.defaultAddress?.id ?? null;
    list.replaceChildren(
      ...customer.addresses.nodes.map((address) => {
        const item = h(
          'li',
          { 'data-testid': 'address' },
          h('span', {}, address.formatted.join(', ')),
          address.id === defaultId ? h('span', { class: 'badge', 'data-testid': 'default-badge' }, 'default') : null,
        );
        const actions: Array<readonly [string, string, string]> = [
          ...(address.id === defaultId ? [] : [['Make default', MAKE_DEFAULT, 'customerAddressUpdate'] as const]),
          ['Delete', DELETE, 'customerAddressDelete'] as const,
        ];
        for (const [label, doc, payload] of actions) {
          const button = h('button', { type: 'button', class: 'button small secondary' }, label);
          button.addEventListener('click', () => {
            button.disabled = true;
            mutate(doc, { id: address.id }, payload)
              .then((errors) => (errors.length > 0 ? showErrors(addressErrors, errors) : load()))
              .catch((error: unknown) => showErrors(addressErrors, describe(error)))
              .finally(() => {
                button.disabled = false;
              });
          });
          item.append(button);
        }
        return item;
      }),
    );
    if (customer.addresses.nodes.length === 0) list.append(h('li', { class: 'muted' }, 'No addresses yet.'));
  }

  nameForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(nameForm);
    mutate(
      UPDATE_NAME,
      { input: { firstName: form.get('firstName'), lastName: form.get('lastName') } },
      'customerUpdate',
    )
      .then((errors) => {
        showErrors(nameErrors, errors);
        if (errors.length === 0) onNameChanged();
      })
      .catch((error: unknown) => showErrors(nameErrors, describe(error)));
  });

  addressForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(addressForm);
    const text = (name: string): string | null => {
      const value = String(form.get(name) ?? '').trim();
      return value === '' ? null : value;
    };
    const address = {
      address1: text('address1'),
      city: text('city'),
      zip: text('zip'),
      zoneCode: text('zoneCode'),
      countryCode: text('countryCode'),
    };
    mutate(CREATE, { address, default: form.get('default') === 'on' }, 'customerAddressCreate')
      .then(async (errors) => {
        showErrors(addressErrors, errors);
        if (errors.length === 0) {
          addressForm.reset();
          await load();
        }
      })
      .catch((error: unknown) => showErrors(addressErrors, describe(error)));
  });

  return { load };
}
