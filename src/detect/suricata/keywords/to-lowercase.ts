// to_lowercase; transform: ASCII-lowercases the sticky buffer.
import { asciiLower } from '../bytes';
import { registerTransform } from './transform';

registerTransform('to_lowercase', () => ({ key: 'to_lowercase', apply: asciiLower }));
