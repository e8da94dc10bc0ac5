// detection_filter:track by_src, count N, seconds S; alert only once a rule matched more than N
// times within S seconds for the tracked address.
import { registerKeyword } from './registry';
import { parseThresholdSpec } from './threshold-spec';

registerKeyword({
  name: 'detection_filter',
  setup(b, v) {
    b.detectionFilter = parseThresholdSpec(v, 'detection_filter', false);
  },
});
