// @detectSQLi: libinjection's SQLi detector (Debian libmodsecurity3's copy, via our addon).
// With `capture`, TX:0 gets the fingerprint.
import { registerOperator } from './registry';
import * as libinjectionMod from './libinjection';
import type { TValue } from '../tvalue';
import type { Transaction } from '../transaction';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { libinjection } = libinjectionMod;

registerOperator('detectSQLi', (arg) => {
  const li = libinjection();
  return {
    name: 'detectSQLi',
    arg,
    evaluate(tx: Transaction, v: TValue) {
      const fp = li.detectSqli(v.bytes ?? (v.bytes = Buffer.from(v.s, 'latin1')));
      if (fp === null) return false;
      if (tx.capturing) tx.setCaptures([fp]);
      return true;
    },
  };
});
