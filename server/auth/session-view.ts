import type { SessionViewBody } from '../../client/messages.ts';
import type { SessionRecord } from '../sessions/types.ts';

/**
 * The one encoder of a session's public view (`GET /auth/session`), typed against the body the pages
 * parse. It picks fields one by one from the record, so a token can never ride along.
 */
export function encodeSessionView(
  record: SessionRecord | null,
  context: { graphqlApiUrl: string | null; refreshBufferSeconds: number; demo: boolean },
): SessionViewBody {
  return {
    authenticated: record !== null,
    customer: record === null ? null : { id: record.customerId, email: record.email },
    expiresAt: record?.expiresAtMs ?? null,
    graphqlApiUrl: context.graphqlApiUrl,
    refreshBufferSeconds: context.refreshBufferSeconds,
    demo: context.demo,
  };
}
