// Loads every variable group so each registers itself.
import './collections';
import './tx-collections';
import './matched';
import './scalars';

export { getResolver } from './registry';
export type { Entry } from './registry';
