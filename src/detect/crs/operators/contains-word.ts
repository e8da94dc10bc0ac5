// @containsWord: the argument occurs in the value as a whole word (not inside a longer word).
// Example: SecRule ARGS "@containsWord select" ...
import { registerStringOp } from './string-compare';

registerStringOp('containsWord', (s, a) => {
  if (a === '') return true;
  for (let from = 0; ; ) {
    const i = s.indexOf(a, from);
    if (i < 0) return false;
    const before = i === 0 ? '' : s[i - 1];
    const after = s[i + a.length] ?? '';
    if (!/\w/.test(before) && !/\w/.test(after)) return true;
    from = i + 1;
  }
});
