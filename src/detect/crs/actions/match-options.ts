// capture (regex groups into TX:0-9) and multiMatch (test after every transformation).
import { registerAction } from './registry';

registerAction('capture', (rule) => { rule.capture = true; });
registerAction('multiMatch', (rule) => { rule.multiMatch = true; });
