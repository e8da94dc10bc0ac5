// target:src_ip|dest_ip; which side is the target, only for EVE enrichment: accepted, not inspected.
import { RuleSyntaxError } from '../bytes';
import { registerKeyword } from './registry';

registerKeyword({
  name: 'target',
  setup(_b, v) {
    if (v !== 'src_ip' && v !== 'dest_ip') throw new RuleSyntaxError(`target must be src_ip or dest_ip, got ${v}`);
  },
});
