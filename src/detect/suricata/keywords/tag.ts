// tag:session,...; asks Suricata to log packets after the alert. It changes logging, not matching,
// and proctap records whole transactions anyway, so the keyword is accepted and has no effect.
import { registerKeyword } from './registry';

registerKeyword({ name: 'tag', setup() {} });
