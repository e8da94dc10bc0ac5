// @unconditionalMatch (always matches) and @noMatch (never matches).
import { registerOperator } from './registry';

registerOperator('unconditionalMatch', (arg) => ({ name: 'unconditionalMatch', arg, evaluate: () => true }));
registerOperator('noMatch', (arg) => ({ name: 'noMatch', arg, evaluate: () => false }));
