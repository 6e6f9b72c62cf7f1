import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../errors.ts';
import { appWith } from '../../testing.ts';
import { carryError, replayCarriedError } from './index.ts';

describe('replayCarriedError', () => {
  it('throws the error the Node request carries, and lets every other request through', async () => {
    const app = appWith(replayCarriedError());
    const carrier = {} as IncomingMessage;
    carryError(carrier, new AppError('CSRF', 'raised outside Hono'));
    const replayed = await app.request('/', {}, { incoming: carrier });
    expect([replayed.status, await replayed.json()]).toEqual([599, { code: 'CSRF' }]);
    expect((await app.request('/', {}, { incoming: {} as IncomingMessage })).status).toBe(200);
    expect((await app.request('/')).status).toBe(200);
  });
});
