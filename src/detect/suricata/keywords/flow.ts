// flow:established,to_server; direction and state of the connection. only_stream/no_stream are
// accepted (we only see reassembled streams); stateless and not_established are evaluated too.
import { RuleSyntaxError, splitArgs } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'flow',
  setup(b, v) {
    if (!v) throw new RuleSyntaxError('flow needs a value');
    for (const opt of splitArgs(v)) {
      switch (opt.toLowerCase()) {
        case 'established':
          b.flow.established = true;
          break;
        case 'not_established':
          b.flow.notEstablished = true;
          break;
        case 'stateless':
          break;
        case 'to_server':
        case 'from_client':
          if (b.flow.dir === 'to_client') throw new RuleSyntaxError('flow: both directions given');
          b.flow.dir = 'to_server';
          break;
        case 'to_client':
        case 'from_server':
          if (b.flow.dir === 'to_server') throw new RuleSyntaxError('flow: both directions given');
          b.flow.dir = 'to_client';
          break;
        case 'only_stream':
          b.flow.onlyStream = true;
          break;
        case 'no_stream':
          b.flow.noStream = true;
          break;
        case 'only_frag':
        case 'no_frag':
          break;
        default:
          throw new RuleSyntaxError(`flow: unknown option ${opt}`);
      }
    }
  },
});
