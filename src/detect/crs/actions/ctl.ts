// ctl: per-transaction configuration changes: ruleRemoveById/ByTag/ByMsg,
// ruleRemoveTargetById/ByTag/ByMsg, ruleEngine, requestBodyProcessor, requestBodyAccess,
// forceRequestBodyVariable, and audit settings (accepted, no effect).
// Example: ctl:ruleRemoveTargetById=942100;ARGS:password
import { registerAction, requireValue } from './registry';
import { parseVariables } from '../parser/variables';
import { parseIdRanges } from '../id-ranges';
import { compileMacro } from '../macro';

registerAction('ctl', (rule, v) => {
  const spec = requireValue('ctl', v);
  const eq = spec.indexOf('=');
  if (eq < 0) throw new Error(`ctl "${spec}": expected option=value`);
  const option = spec.slice(0, eq).trim();
  const value = spec.slice(eq + 1).trim();
  const push = (run: Parameters<typeof rule.actions.push>[0]['run']): void => { rule.actions.push({ name: 'ctl', run }); };
  switch (option.toLowerCase()) {
    case 'ruleremovebyid': {
      const ranges = parseIdRanges(value);
      push((tx) => tx.removeRanges(ranges));
      return;
    }
    case 'ruleremovebytag': {
      const tag = compileMacro(value);
      push((tx, r) => tx.removeTag(tag(tx, r)));
      return;
    }
    case 'ruleremovebymsg': {
      push((tx) => tx.removeMsg(value));
      return;
    }
    case 'ruleremovetargetbyid':
    case 'ruleremovetargetbytag':
    case 'ruleremovetargetbymsg': {
      const semi = value.indexOf(';');
      if (semi < 0) throw new Error(`ctl:${option}=${value}: expected selector;VARIABLE`);
      const sel = value.slice(0, semi);
      const vars = parseVariables(value.slice(semi + 1));
      const kind = option.toLowerCase().slice('ruleremovetargetby'.length) as 'id' | 'tag' | 'msg';
      const ranges = kind === 'id' ? parseIdRanges(sel) : undefined;
      push((tx) => tx.removeTargets(kind, sel, ranges, vars));
      return;
    }
    case 'ruleengine': {
      const mode = value.toLowerCase();
      push((tx) => tx.setRuleEngine(mode));
      return;
    }
    case 'requestbodyprocessor': {
      const p = value.toUpperCase();
      push((tx) => tx.setBodyProcessor(p));
      return;
    }
    case 'forcerequestbodyvariable': {
      const on = value.toLowerCase() === 'on';
      push((tx) => { tx.forceRequestBodyVariable = on; });
      return;
    }
    case 'requestbodyaccess': {
      const on = value.toLowerCase() === 'on';
      push((tx) => { tx.requestBodyAccess = on; });
      return;
    }
    case 'responsebodyaccess': {
      const on = value.toLowerCase() === 'on';
      push((tx) => { tx.responseBodyAccess = on; });
      return;
    }
    case 'requestbodylimit':
    case 'responsebodylimit':
    case 'auditengine':
    case 'auditlogparts':
    case 'debugloglevel':
    case 'hashengine':
    case 'parsexmlintoargs':
      return; // accepted: no effect on detection here
    default:
      throw new Error(`unknown ctl option "${option}"`);
  }
});
