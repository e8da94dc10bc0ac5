// pcrexform:"regex"; transform: replaces the sticky buffer with the regex's first capture group.
import RE2 from 're2';
import { RuleSyntaxError, unquote } from '../bytes';
import { registerTransform } from './transform';

registerTransform('pcrexform', (v) => {
  const src = unquote(v ?? '').replace(/\\([;"])/g, '$1');
  let re: RE2;
  try {
    re = new RE2(src, 's');
  } catch (e) {
    throw new RuleSyntaxError(`pcrexform: RE2 cannot compile ${src}: ${(e as Error).message}`);
  }
  return {
    key: 'pcrexform:' + src,
    apply: (b) => {
      const m = re.exec(b.toString('latin1'));
      return m && m[1] !== undefined ? Buffer.from(m[1], 'latin1') : Buffer.alloc(0);
    },
  };
});
