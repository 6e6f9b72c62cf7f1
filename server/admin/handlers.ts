import type { Context, Handler } from 'hono';
import type { AppDeps } from '../deps.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';
import { logEvent } from '../observability/events.ts';
import { customerKey } from '../sessions/records.ts';

const CUSTOMER_ID = /^(?:gid:\/\/shopify\/Customer\/)?(\d{1,20})$/;
const SESSION_LABEL = /^[0-9a-f]{12}$/;

/**
 * The customer in the path, as the id_token's `sub` names them: `gid://shopify/Customer/<n>` (URL-encoded)
 * or just `<n>`.
 * @throws AppError BAD_REQUEST
 */
function customerOf(c: Context<AppEnv>): string {
  const match = CUSTOMER_ID.exec(c.req.param('customerId') ?? '');
  if (match === null)
    throw new AppError('BAD_REQUEST', 'customerId must be gid://shopify/Customer/<digits> or <digits>');
  return `gid://shopify/Customer/${match[1]}`;
}

/** Customers are named in the log by a hash, like sessions: the log needs to correlate, not to know. */
const customerLabel = (customerId: string) => customerKey(customerId).slice(0, 12);

/**
 * The operator's view of customers' sessions (enabled by `ADMIN_TOKEN`): list them, sign one out, or
 * sign the customer out everywhere. A revoked session's next API call answers 401, and the service
 * worker then signs every tab of it out. Nothing here shows a token.
 */
export function adminHandlers({ store, logger }: AppDeps) {
  /** `GET /admin/customers/:customerId/sessions`. */
  const list: Handler<AppEnv> = async (c) => {
    const customerId = customerOf(c);
    const sessions = await store.listByCustomer(customerId);
    return c.json({
      customerId,
      sessions: sessions.map((s) => ({ id: s.id, createdAt: s.createdAtMs, lastSeenAt: s.lastSeenAtMs })),
    });
  };

  /** `DELETE /admin/customers/:customerId/sessions/:id`: one session. */
  const revokeOne: Handler<AppEnv> = async (c) => {
    const customerId = customerOf(c);
    const id = c.req.param('id') ?? '';
    if (!SESSION_LABEL.test(id)) throw new AppError('BAD_REQUEST', 'id must be a session id as listed (12 hex digits)');
    const revoked = (await store.deleteByCustomer(customerId, id)) ? 1 : 0;
    logEvent(logger, 'info', 'admin.sessions_revoked', { customer: customerLabel(customerId), revoked, all: false });
    if (revoked === 0) return c.json({ error: 'not_found' }, 404);
    return c.json({ revoked });
  };

  /** `DELETE /admin/customers/:customerId/sessions`: sign the customer out everywhere. */
  const revokeAll: Handler<AppEnv> = async (c) => {
    const customerId = customerOf(c);
    let revoked = 0;
    for (const session of await store.listByCustomer(customerId)) {
      if (await store.deleteByCustomer(customerId, session.id)) revoked += 1;
    }
    logEvent(logger, 'info', 'admin.sessions_revoked', { customer: customerLabel(customerId), revoked, all: true });
    return c.json({ revoked });
  };

  return { list, revokeOne, revokeAll };
}
