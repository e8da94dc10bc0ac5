// @detectXSS: libinjection's XSS detector (Debian libmodsecurity3's copy, via our addon).
import { registerOperator } from './registry';
import { libinjection } from './libinjection';

registerOperator('detectXSS', (arg) => {
  const li = libinjection();
  return {
    name: 'detectXSS',
    arg,
    evaluate(_tx: unknown, v: { s: string }) {
      return li.detectXss(Buffer.from(v.s, 'latin1'));
    },
  };
});
