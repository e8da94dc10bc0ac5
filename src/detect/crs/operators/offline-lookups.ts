// @rbl and @geoLookup need a DNS blocklist / a GeoIP database. The sensor makes no lookups from
// the detection path, so these never match (CRS uses them only in optional IP-reputation rules).
import { registerOperator } from './registry';

registerOperator('rbl', (arg) => ({ name: 'rbl', arg, evaluate: () => false }));
registerOperator('geoLookup', (arg) => ({ name: 'geoLookup', arg, evaluate: () => false }));
