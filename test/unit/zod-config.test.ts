import { afterEach, describe, expect, it, vi } from 'vitest';

describe('schemas', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('parse without generating code (no `new Function`: the extension CSP forbids it, the CLI should not need it)', async () => {
    const made: string[] = [];
    const RealFunction = globalThis.Function;
    vi.stubGlobal(
      'Function',
      new Proxy(RealFunction, {
        construct(target, args) {
          made.push(String(args.at(-1)).slice(0, 60));
          return Reflect.construct(target, args);
        },
      }),
    );
    const { sidecarSchema } = await import('@/lib/bundle/format');
    const { capturerSchema } = await import('@/lib/schema');
    expect(capturerSchema.safeParse({ name: 'Ada', email: 'ada@acme.example' }).success).toBe(true);
    expect(sidecarSchema.safeParse({ schema: 'nope' }).success).toBe(false);
    expect(made).toEqual([]);
  });
});
