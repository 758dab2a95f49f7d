import { PorticoError } from '../../src/core/errors.js';

/** The PorticoError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function porticoErrorOf(promise: Promise<unknown>): Promise<PorticoError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PorticoError) return err;
    throw err;
  }
  throw new Error('expected a PorticoError');
}
