// dotprefix; transform: prepends '.' so `content:".example.com"; endswith;` matches the domain and its subdomains.
import { registerTransform } from './transform';

const DOT = Buffer.from('.');
registerTransform('dotprefix', () => ({ key: 'dotprefix', apply: (b) => Buffer.concat([DOT, b]) }));
