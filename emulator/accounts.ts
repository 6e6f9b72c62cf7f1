/**
 * What a customer can edit through the Customer Account API: first and last name, and an address book
 * with one default address. Starts from the seed (no addresses) and lives until `/__emulator/reset`.
 *
 * Validation follows Shopify's documented `userErrors` shape (`field`, `message`, `code`) and the
 * address codes of `UserErrorsCustomerAddressUserErrorsCode` (ADDRESS1_MISSING, COUNTRY_CODE_MISSING,
 * ZONE_CODE_MISSING, INVALID_FOR_COUNTRY, TOO_LONG, CONTAINS_HTML_TAGS, ADDRESS_ID_DOES_NOT_EXIST,
 * CUSTOMER_ADDRESS_ALREADY_EXISTS, DELETING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED,
 * DEMOTING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED, ADDRESS_ARGUMENT_EMPTY). The country is the schema's
 * `CountryCode` enum (TERRITORIES), so an unknown country is a GraphQL validation error, as at Shopify.
 * The name errors use TOO_LONG and CONTAINS_HTML_TAGS; their enum's exact value list and the messages'
 * wording are not documented (SHOPIFY.md), so tests assert codes and fields, never wording.
 */
import type { SeedCustomer } from './customers.ts';

/** A customer's name as Shopify shows it (`displayName`): first name, then last name. */
export const displayName = (account: { firstName: string; lastName: string }): string =>
  `${account.firstName} ${account.lastName}`;

export interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

export interface AddressInput {
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  company?: string | null;
  countryCode?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phoneNumber?: string | null;
  zip?: string | null;
  zoneCode?: string | null;
}

export interface Address {
  id: number;
  address1: string;
  address2: string | null;
  city: string | null;
  company: string | null;
  countryCode: string;
  firstName: string | null;
  lastName: string | null;
  phoneNumber: string | null;
  zip: string | null;
  zoneCode: string | null;
}

interface Account {
  firstName: string;
  lastName: string;
  addresses: Address[];
  defaultAddressId: number | null;
}

/** The territories the emulator ships to (the schema's `CountryCode`), with the zones each requires. */
export const TERRITORIES: Readonly<Record<string, { name: string; zones: readonly string[] }>> = {
  US: { name: 'United States', zones: ['CA', 'NY', 'TX', 'WA'] },
  CA: { name: 'Canada', zones: ['ON', 'QC', 'BC'] },
  FR: { name: 'France', zones: [] },
  DE: { name: 'Germany', zones: [] },
  GB: { name: 'United Kingdom', zones: [] },
};

const MAX_LENGTH = 255;
const HTML_TAG = /<[a-z/!][^>]*>/i;
const ADDRESS_FIELDS = [
  'address1',
  'address2',
  'city',
  'company',
  'countryCode',
  'firstName',
  'lastName',
  'phoneNumber',
  'zip',
  'zoneCode',
] as const;

export const addressGid = (id: number): string => `gid://shopify/CustomerAddress/${id}`;

/** The numeric id in `gid://shopify/CustomerAddress/<id>`, or null. */
function addressIdOf(gid: string): number | null {
  const match = /^gid:\/\/shopify\/CustomerAddress\/([1-9][0-9]{0,15})$/.exec(gid);
  return match === null ? null : Number(match[1]);
}

function textErrors(path: string[], value: string | null | undefined): UserError[] {
  if (value === null || value === undefined) return [];
  if (value.length > MAX_LENGTH) {
    return [{ field: path, message: `${path.at(-1)} is too long (maximum is ${MAX_LENGTH})`, code: 'TOO_LONG' }];
  }
  if (HTML_TAG.test(value))
    return [{ field: path, message: `${path.at(-1)} contains HTML tags`, code: 'CONTAINS_HTML_TAGS' }];
  return [];
}

const blank = (value: string | null | undefined): boolean =>
  value === null || value === undefined || value.trim() === '';

/** Every problem of a complete address (after an update is merged in), as Shopify's userErrors. */
function addressErrors(address: AddressInput): UserError[] {
  const errors = ADDRESS_FIELDS.flatMap((name) => textErrors(['address', name], address[name]));
  if (blank(address.address1)) {
    errors.push({ field: ['address', 'address1'], message: 'Address1 is missing', code: 'ADDRESS1_MISSING' });
  }
  if (blank(address.countryCode)) {
    errors.push({
      field: ['address', 'countryCode'],
      message: 'Country code is missing',
      code: 'COUNTRY_CODE_MISSING',
    });
    return errors;
  }
  const territory = TERRITORIES[address.countryCode!]!;
  if (territory.zones.length > 0 && blank(address.zoneCode)) {
    errors.push({ field: ['address', 'zoneCode'], message: 'Zone code is missing', code: 'ZONE_CODE_MISSING' });
  } else if (territory.zones.length > 0 && !territory.zones.includes(address.zoneCode!)) {
    errors.push({
      field: ['address', 'zoneCode'],
      message: 'Zone code is invalid for the country',
      code: 'INVALID_FOR_COUNTRY',
    });
  }
  return errors;
}

const sameAddress = (a: AddressInput, b: AddressInput): boolean =>
  ADDRESS_FIELDS.every((name) => (a[name] ?? null) === (b[name] ?? null));

const toAddress = (id: number, input: AddressInput): Address => ({
  id,
  address1: input.address1!.trim(),
  address2: input.address2 ?? null,
  city: input.city ?? null,
  company: input.company ?? null,
  countryCode: input.countryCode!,
  firstName: input.firstName ?? null,
  lastName: input.lastName ?? null,
  phoneNumber: input.phoneNumber ?? null,
  zip: input.zip ?? null,
  zoneCode: input.zoneCode ?? null,
});

export class Accounts {
  private readonly accounts = new Map<number, Account>();
  private nextAddressId = 9000000001;

  /** The customer's editable state, created from the seed on first use. */
  of(customer: SeedCustomer): Readonly<Account> {
    let account = this.accounts.get(customer.id);
    if (account === undefined) {
      account = { firstName: customer.firstName, lastName: customer.lastName, addresses: [], defaultAddressId: null };
      this.accounts.set(customer.id, account);
    }
    return account;
  }

  private mutable(customer: SeedCustomer): Account {
    return this.of(customer) as Account;
  }

  updateName(customer: SeedCustomer, input: { firstName?: string | null; lastName?: string | null }): UserError[] {
    const errors = [
      ...textErrors(['input', 'firstName'], input.firstName),
      ...textErrors(['input', 'lastName'], input.lastName),
    ];
    if (errors.length > 0) return errors;
    const account = this.mutable(customer);
    if (input.firstName !== undefined && input.firstName !== null) account.firstName = input.firstName.trim();
    if (input.lastName !== undefined && input.lastName !== null) account.lastName = input.lastName.trim();
    return [];
  }

  createAddress(
    customer: SeedCustomer,
    input: AddressInput,
    makeDefault: boolean,
  ): { address: Address | null; errors: UserError[] } {
    const account = this.mutable(customer);
    const errors = addressErrors(input);
    if (errors.length === 0 && account.addresses.some((existing) => sameAddress(existing, input))) {
      errors.push({ field: ['address'], message: 'Address already exists', code: 'CUSTOMER_ADDRESS_ALREADY_EXISTS' });
    }
    if (errors.length > 0) return { address: null, errors };
    const address = toAddress(this.nextAddressId++, input);
    account.addresses.push(address);
    // The first address becomes the default, as in Shopify's admin.
    if (makeDefault || account.defaultAddressId === null) account.defaultAddressId = address.id;
    return { address, errors: [] };
  }

  updateAddress(
    customer: SeedCustomer,
    gid: string,
    input: AddressInput | null,
    makeDefault: boolean | null,
  ): { address: Address | null; errors: UserError[] } {
    const account = this.mutable(customer);
    const index = this.indexOf(account, gid);
    if (index === -1) return { address: null, errors: [notFound()] };
    const current = account.addresses[index]!;
    if (input === null && makeDefault === null) {
      return {
        address: null,
        errors: [{ field: ['address'], message: 'Address is empty', code: 'ADDRESS_ARGUMENT_EMPTY' }],
      };
    }
    if (makeDefault === false && account.defaultAddressId === current.id) {
      return {
        address: null,
        errors: [
          {
            field: ['defaultAddress'],
            message: 'The default address cannot be demoted',
            code: 'DEMOTING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED',
          },
        ],
      };
    }
    const merged: AddressInput = { ...current, ...(input ?? {}) };
    const errors = addressErrors(merged);
    if (errors.length > 0) return { address: null, errors };
    const address = toAddress(current.id, merged);
    account.addresses[index] = address;
    if (makeDefault === true) account.defaultAddressId = address.id;
    return { address, errors: [] };
  }

  deleteAddress(customer: SeedCustomer, gid: string): { deletedId: string | null; errors: UserError[] } {
    const account = this.mutable(customer);
    const index = this.indexOf(account, gid);
    if (index === -1) return { deletedId: null, errors: [notFound()] };
    const address = account.addresses[index]!;
    if (account.defaultAddressId === address.id && account.addresses.length > 1) {
      return {
        deletedId: null,
        errors: [
          {
            field: ['addressId'],
            message: 'The default address cannot be deleted before another one is made default',
            code: 'DELETING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED',
          },
        ],
      };
    }
    account.addresses.splice(index, 1);
    if (account.defaultAddressId === address.id) account.defaultAddressId = null;
    return { deletedId: addressGid(address.id), errors: [] };
  }

  clear(): void {
    this.accounts.clear();
  }

  private indexOf(account: Account, gid: string): number {
    const id = addressIdOf(gid);
    return id === null ? -1 : account.addresses.findIndex((address) => address.id === id);
  }
}

const notFound = (): UserError => ({
  field: ['addressId'],
  message: 'Address does not exist',
  code: 'ADDRESS_ID_DOES_NOT_EXIST',
});
