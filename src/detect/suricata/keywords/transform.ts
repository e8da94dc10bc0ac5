// Helper for transform keywords: registers a keyword that appends a Transform to the sticky buffer.
import type { RuleBuilder } from '../builder';
import type { Transform } from '../types';
import { registerKeyword } from './registry';

export function registerTransform(name: string, make: (value: string | undefined, b: RuleBuilder) => Omit<Transform, 'name'>): void {
  registerKeyword({
    name,
    setup(b, v) {
      b.addTransform({ name, ...make(v, b) });
    },
  });
}
