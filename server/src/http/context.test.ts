import { describe, expect, it } from 'vitest';
import { lazyFork } from './context.js';

class Manager {
  readonly found: string[] = [];
  label = 'fork';
  find(what: string): this {
    this.found.push(what);
    return this;
  }
}

describe('lazyFork', () => {
  it('forks only when first used, and only once', () => {
    let forks = 0;
    const em = lazyFork(() => {
      forks++;
      return new Manager();
    }, Manager.prototype);
    expect(forks).toBe(0);
    // Copying the context (as envelop does with Object.assign) must not fork either.
    const context = Object.assign({}, { em });
    expect(forks).toBe(0);
    context.em.find('a');
    context.em.find('b');
    expect(forks).toBe(1);
    expect(context.em.found).toEqual(['a', 'b']);
  });

  it('binds methods to the fork and keeps instanceof', () => {
    const real = new Manager();
    const em = lazyFork(() => real, Manager.prototype);
    const { find } = em;
    expect(find('detached')).toBe(real);
    expect(em instanceof Manager).toBe(true);
    em.label = 'changed';
    expect(real.label).toBe('changed');
    expect('find' in em).toBe(true);
  });
});
