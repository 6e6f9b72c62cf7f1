export { createTokenManager, UNAUTHORIZED } from './manager.ts';
export type { GetAccessTokenOptions, RetryPolicy, TokenManager, TokenManagerDeps, Unauthorized } from './manager.ts';
export type { RefreshFailureClass, RefreshGrant, RefreshResult } from './types.ts';
