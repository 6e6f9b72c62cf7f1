/**
 * The slice of the Customer Account API schema the project uses, executed by graphql-js, plus a
 * Shopify-like query cost: 1 per object, 0 per scalar, connections 2 + first/last × their nodes.
 */
import {
  buildSchema,
  getArgumentValues,
  getNamedType,
  GraphQLError,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { addressGid, displayName, TERRITORIES, type Accounts, type Address, type AddressInput } from './accounts.ts';
import { customerGid, orderGid, type SeedCustomer, type SeedOrder } from './customers.ts';

export const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  scalar Decimal
  scalar URL

  type Query {
    customer: Customer!
  }

  type Mutation {
    customerUpdate(input: CustomerUpdateInput!): CustomerUpdatePayload
    customerAddressCreate(address: CustomerAddressInput!, defaultAddress: Boolean = false): CustomerAddressCreatePayload
    customerAddressUpdate(addressId: ID!, address: CustomerAddressInput, defaultAddress: Boolean): CustomerAddressUpdatePayload
    customerAddressDelete(addressId: ID!): CustomerAddressDeletePayload
  }

  input CustomerUpdateInput {
    firstName: String
    lastName: String
  }

  input CustomerAddressInput {
    address1: String
    address2: String
    city: String
    company: String
    countryCode: CountryCode
    firstName: String
    lastName: String
    phoneNumber: String
    zip: String
    zoneCode: String
  }

  enum CountryCode {
    ${Object.keys(TERRITORIES).join('\n    ')}
  }

  type CustomerAddress {
    id: ID!
    address1: String
    address2: String
    city: String
    company: String
    country: String
    firstName: String
    lastName: String
    name: String
    phoneNumber: String
    territoryCode: CountryCode
    zip: String
    zoneCode: String
    formatted: [String!]!
  }

  type CustomerAddressEdge {
    cursor: String!
    node: CustomerAddress!
  }

  type CustomerAddressConnection {
    nodes: [CustomerAddress!]!
    edges: [CustomerAddressEdge!]!
    pageInfo: PageInfo!
  }

  enum UserErrorsCustomerUserErrorsCode {
    CONTAINS_HTML_TAGS
    TOO_LONG
  }

  type UserErrorsCustomerUserErrors {
    code: UserErrorsCustomerUserErrorsCode
    field: [String!]
    message: String!
  }

  enum UserErrorsCustomerAddressUserErrorsCode {
    ADDRESS_ARGUMENT_EMPTY
    ADDRESS_ID_DOES_NOT_EXIST
    ADDRESS1_MISSING
    CONTAINS_HTML_TAGS
    COUNTRY_CODE_MISSING
    CUSTOMER_ADDRESS_ALREADY_EXISTS
    DELETING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED
    DEMOTING_CUSTOMER_DEFAULT_ADDRESS_NOT_ALLOWED
    INVALID_FOR_COUNTRY
    TOO_LONG
    ZONE_CODE_MISSING
  }

  type UserErrorsCustomerAddressUserErrors {
    code: UserErrorsCustomerAddressUserErrorsCode
    field: [String!]
    message: String!
  }

  type CustomerUpdatePayload {
    customer: Customer
    userErrors: [UserErrorsCustomerUserErrors!]!
  }

  type CustomerAddressCreatePayload {
    customerAddress: CustomerAddress
    userErrors: [UserErrorsCustomerAddressUserErrors!]!
  }

  type CustomerAddressUpdatePayload {
    customerAddress: CustomerAddress
    userErrors: [UserErrorsCustomerAddressUserErrors!]!
  }

  type CustomerAddressDeletePayload {
    deletedAddressId: ID
    userErrors: [UserErrorsCustomerAddressUserErrors!]!
  }

  type Customer {
    id: ID!
    firstName: String
    lastName: String
    displayName: String!
    emailAddress: CustomerEmailAddress
    defaultAddress: CustomerAddress
    addresses(first: Int, after: String, last: Int, before: String): CustomerAddressConnection!
    orders(
      first: Int
      after: String
      last: Int
      before: String
      sortKey: OrderSortKeys = ID
      reverse: Boolean = false
    ): OrderConnection!
  }

  type CustomerEmailAddress {
    emailAddress: String
  }

  enum OrderSortKeys {
    ID
    PROCESSED_AT
  }

  enum OrderFinancialStatus {
    AUTHORIZED
    PAID
    PARTIALLY_REFUNDED
    PENDING
    REFUNDED
  }

  enum CurrencyCode {
    EUR
    USD
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: CurrencyCode!
  }

  type Order {
    id: ID!
    name: String!
    processedAt: DateTime!
    financialStatus: OrderFinancialStatus
    totalPrice: MoneyV2!
  }

  type OrderEdge {
    cursor: String!
    node: Order!
  }

  type PageInfo {
    hasNextPage: Boolean!
    hasPreviousPage: Boolean!
    startCursor: String
    endCursor: String
  }

  type OrderConnection {
    nodes: [Order!]!
    edges: [OrderEdge!]!
    pageInfo: PageInfo!
  }
`);

const MAX_PAGE_SIZE = 250;
const MUTATION_COST = 10;

interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

interface OrdersArgs extends PageArgs {
  sortKey: 'ID' | 'PROCESSED_AT';
  reverse: boolean;
}

const cursorOf = (kind: string, id: number): string => Buffer.from(`${kind}:${id}`).toString('base64url');

/** One page of a connection over `sorted` (already in order), Relay-style, with Shopify's argument rules. */
function pageOf<T extends { id: number }, N>(
  kind: string,
  sorted: readonly T[],
  args: PageArgs,
  toNode: (item: T) => N,
) {
  const { first, last } = args;
  if ((first ?? null) === null && (last ?? null) === null) {
    throw new GraphQLError('you must provide one of first or last');
  }
  if ((first ?? null) !== null && (last ?? null) !== null) {
    throw new GraphQLError('providing both first and last is not supported');
  }
  const size = (first ?? last)!;
  if (size < 0 || size > MAX_PAGE_SIZE) throw new GraphQLError(`first and last must be within 0..${MAX_PAGE_SIZE}`);

  const indexOfCursor = (cursor: string): number => {
    const index = sorted.findIndex((item) => cursorOf(kind, item.id) === cursor);
    if (index === -1) throw new GraphQLError(`Invalid cursor: ${cursor}`);
    return index;
  };
  let start = 0;
  let end = sorted.length;
  if (args.after) start = indexOfCursor(args.after) + 1;
  if (args.before) end = indexOfCursor(args.before);
  if (end < start) end = start;
  const [from, to] = first != null ? [start, Math.min(end, start + size)] : [Math.max(start, end - size), end];
  const slice = sorted.slice(from, to);
  const nodes = slice.map(toNode);
  return {
    nodes,
    edges: slice.map((item, i) => ({ cursor: cursorOf(kind, item.id), node: nodes[i] })),
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: slice.length > 0 ? cursorOf(kind, slice[0]!.id) : null,
      endCursor: slice.length > 0 ? cursorOf(kind, slice[slice.length - 1]!.id) : null,
    },
  };
}

function ordersPage(orders: readonly SeedOrder[], args: OrdersArgs) {
  const sorted = [...orders].sort((a, b) =>
    args.sortKey === 'PROCESSED_AT' ? a.processedAt.localeCompare(b.processedAt) || a.id - b.id : a.id - b.id,
  );
  if (args.reverse) sorted.reverse();
  return pageOf('order', sorted, args, (o) => ({
    id: orderGid(o.id),
    name: o.name,
    processedAt: o.processedAt,
    financialStatus: o.financialStatus,
    totalPrice: { ...o.totalPrice },
  }));
}

function addressNode(address: Address) {
  const name = [address.firstName, address.lastName].filter((part) => part !== null).join(' ') || null;
  const country = TERRITORIES[address.countryCode]!.name;
  const area = [address.zip, address.city, address.zoneCode].filter((part) => part !== null).join(' ');
  return {
    id: addressGid(address.id),
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    company: address.company,
    country,
    firstName: address.firstName,
    lastName: address.lastName,
    name,
    phoneNumber: address.phoneNumber,
    territoryCode: address.countryCode,
    zip: address.zip,
    zoneCode: address.zoneCode,
    formatted: [address.company, address.address1, address.address2, area, country].filter(
      (line): line is string => line !== null && line !== '',
    ),
  };
}

/**
 * Root value for `execute`: graphql-js's default resolver calls these functions with the field args,
 * for the query's fields and the mutation's alike. Edits go to `accounts` (emulator/accounts.ts).
 */
export function rootValueFor(customer: SeedCustomer, accounts: Accounts) {
  const customerNode = () => {
    const account = accounts.of(customer);
    const defaultAddress = account.addresses.find((a) => a.id === account.defaultAddressId) ?? null;
    return {
      id: customerGid(customer.id),
      firstName: account.firstName,
      lastName: account.lastName,
      displayName: displayName(account),
      emailAddress: { emailAddress: customer.email },
      defaultAddress: defaultAddress === null ? null : addressNode(defaultAddress),
      addresses: (args: PageArgs) => pageOf('address', account.addresses, args, addressNode),
      orders: (args: OrdersArgs) => ordersPage(customer.orders, args),
    };
  };
  const addressPayload = ({ address, errors }: { address: Address | null; errors: unknown[] }) => ({
    customerAddress: address === null ? null : addressNode(address),
    userErrors: errors,
  });
  return {
    customer: customerNode,
    customerUpdate: ({ input }: { input: { firstName?: string | null; lastName?: string | null } }) => {
      const errors = accounts.updateName(customer, input);
      return { customer: errors.length === 0 ? customerNode() : null, userErrors: errors };
    },
    customerAddressCreate: (args: { address: AddressInput; defaultAddress: boolean }) =>
      addressPayload(accounts.createAddress(customer, args.address, args.defaultAddress)),
    customerAddressUpdate: (args: {
      addressId: string;
      address?: AddressInput | null;
      defaultAddress?: boolean | null;
    }) =>
      addressPayload(
        accounts.updateAddress(customer, args.addressId, args.address ?? null, args.defaultAddress ?? null),
      ),
    customerAddressDelete: ({ addressId }: { addressId: string }) => {
      const { deletedId, errors } = accounts.deleteAddress(customer, addressId);
      return { deletedAddressId: deletedId, userErrors: errors };
    },
  };
}

const CONNECTION_ITEMS = new Set(['nodes', 'edges']);

/**
 * The requested cost of one operation. Variables must already be coerced; an unknown operation or
 * bad variables cost 0 here and fail in `execute`.
 */
export function queryCost(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  // Shopify charges a mutation a flat 10 points, whatever it selects.
  if (operation.operation === 'mutation') return MUTATION_COST;
  const root = schema.getQueryType();
  if (operation.operation !== 'query' || root === null || root === undefined) return 0;

  const selectionCost = (set: SelectionSetNode, parent: GraphQLObjectType, itemMultiplier: number | null): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        total += selectionCost(selection.selectionSet, parent, itemMultiplier);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment !== undefined) total += selectionCost(fragment.selectionSet, parent, itemMultiplier);
        continue;
      }
      const field = parent.getFields()[selection.name.value];
      if (field === undefined) continue; // __typename and introspection are free
      const type = getNamedType(field.type);
      if (!isObjectType(type) || selection.selectionSet === undefined) continue;
      const multiplier = itemMultiplier !== null && CONNECTION_ITEMS.has(selection.name.value) ? itemMultiplier : 1;
      if (type.name.endsWith('Connection')) {
        const args = getArgumentValues(field, selection, variables);
        const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : 0;
        total += multiplier * (2 + selectionCost(selection.selectionSet, type, Math.max(0, size)));
      } else {
        total += multiplier * (1 + selectionCost(selection.selectionSet, type, null));
      }
    }
    return total;
  };
  return selectionCost(operation.selectionSet, root, null);
}
