// Worker thread for loadRulesAsync: compiles every pcre of the given rule files with RE2 while the
// main thread parses, and answers which ones RE2 rejects ({ failed: [key, message][] }).
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { compilePcre, parsePcreValue, pcreKey } from './pcre-compile';
import { indexOfUnescaped, RULE_START, splitOptions, statements } from './rule-text';

interface Input {
  sources: Array<{ file: string; text?: string }>;
}

function run(input: Input): Array<[string, string]> {
  const failed = new Map<string, string>();
  for (const src of input.sources) {
    for (const st of statements(src.text ?? fs.readFileSync(src.file))) {
      if (st.disabled || !RULE_START.test(st.text)) continue;
      const open = st.text.indexOf('(');
      const close = st.text.lastIndexOf(')');
      if (open < 0 || close < open) continue;
      for (const opt of splitOptions(st.text.slice(open + 1, close))) {
        const colon = indexOfUnescaped(opt, ':');
        if (colon < 0 || opt.slice(0, colon).trim().toLowerCase() !== 'pcre') continue;
        try {
          const spec = parsePcreValue(opt.slice(colon + 1).trim());
          const re = compilePcre(spec.source, spec.flags);
          if (typeof re === 'string') failed.set(pcreKey(spec.source, spec.flags), `RE2 cannot compile /${spec.body}/: ${re}`);
        } catch {
          /* syntax errors are reported by the main thread's parser */
        }
      }
    }
  }
  return [...failed];
}

// Only when started for this purpose (the engine itself may run inside some other worker).
if (parentPort && (workerData as { proctapPcreValidation?: boolean } | null)?.proctapPcreValidation) {
  parentPort.postMessage({ failed: run(workerData as Input) });
}

export { run as validatePcres };
