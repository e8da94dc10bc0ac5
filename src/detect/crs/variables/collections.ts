// Request/response collections built by the transaction (ARGS, REQUEST_HEADERS, FILES, ...):
// each resolves from tx.collections by name, keyed selection applied.
import { registerVariable } from './registry';
import * as registryMod from './registry';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { selectEntries } = registryMod;

const NAMES = [
  'ARGS', 'ARGS_GET', 'ARGS_POST', 'ARGS_NAMES', 'ARGS_GET_NAMES', 'ARGS_POST_NAMES',
  'REQUEST_HEADERS', 'REQUEST_HEADERS_NAMES', 'REQUEST_COOKIES', 'REQUEST_COOKIES_NAMES',
  'FILES', 'FILES_NAMES', 'FILES_SIZES', 'FILES_TMPNAMES', 'FILES_TMP_CONTENT', 'MULTIPART_PART_HEADERS',
  'MULTIPART_FILENAME', 'MULTIPART_NAME', 'RESPONSE_HEADERS', 'RESPONSE_HEADERS_NAMES', 'XML', 'ENV', 'GEO',
];

for (const name of NAMES) {
  registerVariable(name, (tx, spec) =>
    spec.key !== undefined && name !== 'XML' ? tx.keyed(name, spec.key) : selectEntries(tx.collection(name), spec),
  );
}
