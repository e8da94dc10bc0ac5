// urilen:N / <N / >N / A<>B [,raw|norm]; length of the (normalised by default) request URI.
import { RuleSyntaxError } from '../bytes';
import { parseNumCompare } from '../num-compare';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'urilen',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('urilen needs a value');
    const [cmp, mode] = v.split(',').map((s) => s.trim());
    if (mode && mode !== 'raw' && mode !== 'norm') throw new RuleSyntaxError(`urilen: unknown mode ${mode}`);
    b.urilen = { cmp: parseNumCompare(cmp, 'urilen'), raw: mode === 'raw' };
    // urilen is an http_uri keyword: the rule becomes an HTTP rule even without other uri content.
    b.addItemTo(b.urilen.raw ? 'http.uri.raw' : 'http.uri', { kind: 'bsize', cmp: b.urilen.cmp });
  },
});
