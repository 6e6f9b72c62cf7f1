import { describe, expect, it } from 'vitest';
import { appWith } from '../../testing.ts';
import { noStore } from './index.ts';

describe('noStore', () => {
  it('marks the answer no-store', async () => {
    expect((await appWith(noStore()).request('/')).headers.get('cache-control')).toBe('no-store');
  });
});
