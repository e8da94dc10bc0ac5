// t:sqlHexDecode: SQL hex literals 0xHHHH... to their bytes.
import { registerTransformation } from './registry';

registerTransformation('sqlHexDecode', (s) =>
  s.replace(/0x((?:[0-9a-fA-F]{2})+)/g, (_m, h: string) => Buffer.from(h, 'hex').toString('latin1')),
);
