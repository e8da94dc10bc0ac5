// The two CRS regression suites with the setup each documents (tests/regression/README.md):
// ModSecurity's recommended configuration, the suite's crs-setup example, and rule 900005
// (detection only, paranoia level 4, no IP reputation, the suite's argument limits).
import * as path from 'path';
import { CrsEngine } from '../engine';
import { readSuite, type FtwTest } from './suite';
import { runSuite, type FtwOutcome } from './run';
import { albedoResponse } from './albedo';
import type { CrsLoadReport } from '../types';

export interface SuiteDef {
  name: string;
  dir: string;
  setup: string;
  /** Old ftw and go-ftw send test data as a form when the test names no Content-Type. */
  defaultContentType: string;
}

export function suiteDefs(dataDir: string): SuiteDef[] {
  return [
    {
      name: 'crs-v4.28.0',
      dir: path.join(dataDir, 'crs', 'v4.28.0'),
      defaultContentType: 'application/x-www-form-urlencoded',
      setup:
        'SecAction "id:900005,phase:1,nolog,pass,ctl:ruleEngine=DetectionOnly,ctl:ruleRemoveById=910000,' +
        'setvar:tx.blocking_paranoia_level=4,setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.arg_name_length=100,' +
        'setvar:tx.arg_length=400,setvar:tx.total_arg_length=64000,setvar:tx.max_num_args=255,' +
        'setvar:tx.max_file_size=64100,setvar:tx.combined_file_sizes=65535"',
    },
    {
      name: 'crs-v3.3.4',
      dir: path.join(dataDir, 'crs', 'v3.3.4'),
      defaultContentType: 'application/x-www-form-urlencoded',
      setup:
        'SecAction "id:900005,phase:1,nolog,pass,ctl:ruleEngine=DetectionOnly,ctl:ruleRemoveById=910000,' +
        'setvar:tx.paranoia_level=4,setvar:tx.crs_validate_utf8_encoding=1,setvar:tx.arg_name_length=100,setvar:tx.arg_length=400"',
    },
  ];
}

export interface SuiteRun {
  name: string;
  report: CrsLoadReport;
  tests: FtwTest[];
  outcomes: FtwOutcome[];
  passed: number;
  failed: number;
  statusOnly: FtwOutcome[];
}

export function runCrsSuite(def: SuiteDef, dataDir: string): SuiteRun {
  const { engine, report } = CrsEngine.load({
    crsDir: def.dir,
    preFiles: [path.join(dataDir, 'modsecurity', 'modsecurity.conf-recommended')],
    extraDirectives: def.setup,
  });
  const tests = readSuite(path.join(def.dir, 'tests', 'regression', 'tests'), { defaultContentType: def.defaultContentType });
  const outcomes = runSuite(engine, tests, { response: albedoResponse });
  const statusOnly = outcomes.filter((o) => o.statusOnly);
  const passed = outcomes.filter((o) => o.passed).length;
  return { name: def.name, report, tests, outcomes, passed, failed: outcomes.length - passed - statusOnly.length, statusOnly };
}
