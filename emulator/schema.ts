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
import { customerGid, orderGid, type SeedCustomer, type SeedOrder } from './customers.ts';

export const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  scalar Decimal
  scalar URL

  type Query {
    customer: Customer!
  }

  type Customer {
    id: ID!
    firstName: String
    lastName: String
    displayName: String!
    emailAddress: CustomerEmailAddress
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

interface OrdersArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  sortKey: 'ID' | 'PROCESSED_AT';
  reverse: boolean;
}

const cursorFor = (order: SeedOrder): string => Buffer.from(`order:${order.id}`).toString('base64url');

function indexOfCursor(sorted: SeedOrder[], cursor: string): number {
  const index = sorted.findIndex((o) => cursorFor(o) === cursor);
  if (index === -1) throw new GraphQLError(`Invalid cursor: ${cursor}`);
  return index;
}

function pageOf(orders: readonly SeedOrder[], args: OrdersArgs) {
  const { first, last } = args;
  if ((first ?? null) === null && (last ?? null) === null) {
    throw new GraphQLError('you must provide one of first or last');
  }
  if ((first ?? null) !== null && (last ?? null) !== null) {
    throw new GraphQLError('providing both first and last is not supported');
  }
  const size = (first ?? last)!;
  if (size < 0 || size > MAX_PAGE_SIZE) throw new GraphQLError(`first and last must be within 0..${MAX_PAGE_SIZE}`);

  const sorted = [...orders].sort((a, b) =>
    args.sortKey === 'PROCESSED_AT' ? a.processedAt.localeCompare(b.processedAt) || a.id - b.id : a.id - b.id,
  );
  if (args.reverse) sorted.reverse();
  let start = 0;
  let end = sorted.length;
  if (args.after) start = indexOfCursor(sorted, args.after) + 1;
  if (args.before) end = indexOfCursor(sorted, args.before);
  if (end < start) end = start;
  const [from, to] = first != null ? [start, Math.min(end, start + size)] : [Math.max(start, end - size), end];
  const slice = sorted.slice(from, to);
  const nodes = slice.map((o) => ({
    id: orderGid(o.id),
    name: o.name,
    processedAt: o.processedAt,
    financialStatus: o.financialStatus,
    totalPrice: { ...o.totalPrice },
  }));
  return {
    nodes,
    edges: slice.map((o, i) => ({ cursor: cursorFor(o), node: nodes[i] })),
    pageInfo: {
      hasNextPage: to < end,
      hasPreviousPage: from > start,
      startCursor: slice.length > 0 ? cursorFor(slice[0]!) : null,
      endCursor: slice.length > 0 ? cursorFor(slice[slice.length - 1]!) : null,
    },
  };
}

/** Root value for `execute`: graphql-js's default resolver calls these functions with the field args. */
export function rootValueFor(customer: SeedCustomer) {
  return {
    customer: () => ({
      id: customerGid(customer.id),
      firstName: customer.firstName,
      lastName: customer.lastName,
      displayName: `${customer.firstName} ${customer.lastName}`,
      emailAddress: { emailAddress: customer.email },
      orders: (args: OrdersArgs) => pageOf(customer.orders, args),
    }),
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
