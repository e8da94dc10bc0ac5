// reference:type,id; kept for incidents (e.g. reference:cve,2021-44228;).
import { registerKeyword } from './registry';

registerKeyword({
  name: 'reference',
  setup(b, v) {
    if (v) b.references.push(v.trim());
  },
});
