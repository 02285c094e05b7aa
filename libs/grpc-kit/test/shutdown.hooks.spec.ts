import { KitLogger, installShutdown } from '../src';

const quiet: KitLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('installShutdown', () => {
  it('runs the hooks once, in order, on SIGTERM, then exits 0', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle = installShutdown(
      [
        async function healthNotServing() {
          order.push('health');
          await gate;
        },
        async () => void order.push('consumers'),
        async () => void order.push('tryShutdown'),
      ],
      quiet,
      { exit: (code) => exits.push(code), signals: ['SIGTERM'] },
    );
    try {
      process.emit('SIGTERM', 'SIGTERM');
      const again = handle.run('test'); // already running: same run, no second pass
      expect(order).toEqual(['health']);
      release();
      await again;
      expect(order).toEqual(['health', 'consumers', 'tryShutdown']);
      expect(exits).toEqual([0]);
    } finally {
      handle.dispose();
    }
  });

  it('keeps going after a failing hook and exits 1; a second signal exits 1 at once', async () => {
    const order: string[] = [];
    const exits: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle = installShutdown(
      [
        async () => {
          order.push('a');
          throw new Error('boom');
        },
        async () => {
          order.push('b');
          await gate;
        },
      ],
      quiet,
      { exit: (code) => exits.push(code), signals: ['SIGINT'] },
    );
    try {
      const run = handle.run('test');
      await new Promise((r) => setImmediate(r));
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([1]); // forced
      release();
      await run;
      expect(order).toEqual(['a', 'b']);
      expect(exits).toEqual([1, 1]);
    } finally {
      handle.dispose();
    }
  });
});
