// filesize:[to_client|to_server,] N / <N / >N / A<>B; size of the transaction's file (the decoded
// body), e.g. filesize:>1000000; or Suricata 8's filesize: to_client, >100;
import { RuleSyntaxError } from '../bytes';
import { parseNumCompare } from '../num-compare';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'filesize',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('filesize needs a value');
    const parts = v.split(',').map((s) => s.trim());
    let dir: 'to_client' | 'to_server' | undefined;
    if (parts[0] === 'to_client' || parts[0] === 'to_server') dir = parts.shift() as 'to_client' | 'to_server';
    if (parts.length !== 1) throw new RuleSyntaxError(`filesize: invalid value ${v}`);
    b.addItemTo('file.data', { kind: 'bsize', cmp: parseNumCompare(parts[0], 'filesize') }, dir);
  },
});
