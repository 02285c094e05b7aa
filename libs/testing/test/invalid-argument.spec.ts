import { NotFoundError, ValidationError } from '@notify/errors';
import { expectInvalidArgument } from '../src/invalid-argument';

describe('expectInvalidArgument', () => {
  it('resolves with the ValidationError when it names the field (and its message has the text)', async () => {
    const err = await expectInvalidArgument(Promise.reject(new ValidationError('customer_id', 'must be a UUID, got "x"')), 'customer_id', /must be a UUID/);
    expect(err.field).toBe('customer_id');
    await expect(expectInvalidArgument(Promise.reject(new ValidationError('title', 'is required')), 'title', 'required')).resolves.toBeInstanceOf(ValidationError);
  });

  it('rejects saying what happened instead: success, another error, another field, another message', async () => {
    await expect(expectInvalidArgument(Promise.resolve({}), 'x')).rejects.toThrow('expected INVALID_ARGUMENT naming x, the call succeeded');
    await expect(expectInvalidArgument(Promise.reject(new NotFoundError('ticket', 't1')), 'x')).rejects.toThrow(/naming x, got NotFoundError/);
    await expect(expectInvalidArgument(Promise.reject(new ValidationError('y', 'bad')), 'x')).rejects.toThrow('it named y: y: bad');
    await expect(expectInvalidArgument(Promise.reject(new ValidationError('x', 'bad')), 'x', 'good')).rejects.toThrow(/to match good, got: x: bad/);
  });
});
