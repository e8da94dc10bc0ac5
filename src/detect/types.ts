// Public types of the detection stage, shared by the CRS and ET engines.

export type RuleSource = 'crs' | 'et';

export interface RuleMatch {
  source: RuleSource;
  /** CRS rule id or ET signature id. */
  id: number;
  rev?: number;
  msg: string;
  /** Normalised severity: 1 (highest) .. 4 (lowest), Suricata's scale; CRS CRITICAL=1, ERROR=2, WARNING=3, NOTICE=4. */
  severity: number;
  tags: string[];
  classtype?: string;
  /** Variable (CRS, e.g. ARGS:id) or buffer (ET, e.g. http.uri) that matched. */
  target: string;
  /** The matched data, as text (latin1), capped. */
  matched: string;
  /** Anomaly points this match contributes (CRS: from its setvar; ET: from severity). */
  points: number;
  /**
   * Optional category, when the engine knows it (ET: the rule file group, e.g. 'web_server').
   * Incidents derive it otherwise (CRS: from the rule id's file; ET: from "ET <CATEGORY>" in msg).
   */
  category?: string;
  /** CRS: the rule's expanded logdata, capped. */
  data?: string;
}
