// @detectXSS: libinjection's XSS detector (Debian libmodsecurity3's copy, via our addon).
import { registerOperator } from './registry';
import * as libinjectionMod from './libinjection';
import type { TValue } from '../tvalue';

// Local bindings: per-value code must not call through import bindings (getters once transpiled).
const { libinjection } = libinjectionMod;

registerOperator('detectXSS', (arg) => {
  const li = libinjection();
  return {
    name: 'detectXSS',
    arg,
    evaluate(_tx: unknown, v: TValue) {
      return li.detectXss(v.bytes ?? (v.bytes = Buffer.from(v.s, 'latin1')));
    },
  };
});
