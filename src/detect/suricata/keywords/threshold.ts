// threshold:type limit|threshold|both, track by_src|by_dst|by_rule|by_both, count N, seconds S;
// limits how often a matching rule alerts. Example: threshold:type limit, track by_src, count 1, seconds 300;
import { registerKeyword } from './registry';
import { parseThresholdSpec } from './threshold-spec';

registerKeyword({
  name: 'threshold',
  setup(b, v) {
    b.threshold = parseThresholdSpec(v, 'threshold', true);
  },
});
