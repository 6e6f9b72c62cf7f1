/**
 * What a page may ask the Storefront API through `/api/storefront/graphql`: carts and the catalogue,
 * nothing else. The proxy holds the store's private token; without this list it would lend that token's
 * every power (customer, checkout and store-wide reads) to anyone on the internet. The buyer identity is
 * not on it either: only `POST /api/cart/buyer-identity` binds a customer, with the session's own token.
 */
import { Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import { AppError } from '../errors.ts';

const ALLOWED_ROOT_FIELDS = new Set([
  '__typename',
  // Queries: the cart and the catalogue.
  'cart',
  'product',
  'products',
  'productRecommendations',
  'collection',
  'collections',
  'shop',
  'localization',
  // Mutations: a cart's contents and options.
  'cartCreate',
  'cartLinesAdd',
  'cartLinesUpdate',
  'cartLinesRemove',
  'cartNoteUpdate',
  'cartAttributesUpdate',
  'cartDiscountCodesUpdate',
  'cartGiftCardCodesUpdate',
  'cartSelectedDeliveryOptionsUpdate',
]);

/**
 * Checks every root field of every operation (through fragments on the root) against the list.
 * @throws AppError BAD_REQUEST naming the first field that is not allowed, or the syntax error
 */
export function checkStorefrontOperations(query: string): void {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: 10_000 });
  } catch (error) {
    throw new AppError('BAD_REQUEST', `"query" is not valid GraphQL: ${(error as Error).message}`);
  }
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
  );
  const seen = new Set<string>();
  const check = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!ALLOWED_ROOT_FIELDS.has(selection.name.value)) {
          throw new AppError(
            'BAD_REQUEST',
            `"${selection.name.value}" is not available through this proxy (carts and the catalogue only)`,
          );
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        check(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (fragment === undefined || seen.has(name)) continue; // an unknown or repeated spread adds no field
        seen.add(name);
        check(fragment.selectionSet);
      }
    }
  };
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      if (definition.operation === 'subscription') throw new AppError('BAD_REQUEST', 'subscriptions are not available');
      check(definition.selectionSet);
    }
  }
}
