// Rule categories operators choose per direction and protocol. CRS categories are rule files (a CRS
// rule id's file is its id / 1000, e.g. 942100 -> 942); ET categories are the word after "ET " in a
// rule's msg (ET's own file grouping: "ET WEB_SERVER ..." -> web_server).
import type { RuleMatch } from '../detect/types';

export interface CrsCategory {
  name: string;
  label: string;
  /** Rule file numbers (id / 1000). */
  files: number[];
}

export const CRS_CATEGORIES: readonly CrsCategory[] = [
  { name: 'method-enforcement', label: 'Method enforcement', files: [911] },
  { name: 'scanners', label: 'Scanners', files: [913] },
  { name: 'protocol-enforcement', label: 'Protocol enforcement', files: [920] },
  { name: 'protocol-attack', label: 'Protocol attacks', files: [921] },
  { name: 'multipart', label: 'Multipart attacks', files: [922] },
  { name: 'lfi', label: 'Local file inclusion', files: [930] },
  { name: 'rfi', label: 'Remote file inclusion', files: [931] },
  { name: 'rce', label: 'Remote code execution', files: [932] },
  { name: 'php', label: 'PHP attacks', files: [933] },
  { name: 'generic', label: 'Generic attacks (Node.js, SSRF...)', files: [934] },
  { name: 'xss', label: 'Cross-site scripting', files: [941] },
  { name: 'sqli', label: 'SQL injection', files: [942] },
  { name: 'session-fixation', label: 'Session fixation', files: [943] },
  { name: 'java', label: 'Java attacks', files: [944] },
  { name: 'data-leakages', label: 'Data leakages (responses)', files: [950, 951, 952, 953, 954, 956] },
  { name: 'webshells', label: 'Web shells (responses)', files: [955] },
];

/**
 * CRS files that hold no detections of their own (initialisation, exclusions, blocking evaluation,
 * correlation): their matches carry no points and are not shown in incidents.
 */
export const CRS_BOOKKEEPING_FILES: ReadonlySet<number> = new Set([
  900, 901, 903, 905, 910, 912, 949, 959, 980, 999,
]);

const crsByFile = new Map<number, string>();
for (const c of CRS_CATEGORIES) for (const f of c.files) crsByFile.set(f, c.name);

export const ET_CATEGORIES: readonly string[] = [
  'activex', 'adware_pup', 'attack_response', 'botcc', 'chat', 'ciarmy', 'cnc', 'coinminer',
  'compromised', 'current_events', 'deleted', 'dns', 'dos', 'drop', 'dshield', 'exploit',
  'exploit_kit', 'ftp', 'games', 'hunting', 'icmp', 'icmp_info', 'imap', 'inappropriate', 'info',
  'ja3', 'malware', 'misc', 'mobile_malware', 'netbios', 'p2p', 'phishing', 'policy', 'pop3', 'rpc',
  'scada', 'scan', 'shellcode', 'smtp', 'snmp', 'sql', 'telnet', 'tftp', 'tor', 'trojan',
  'user_agents', 'voip', 'web_client', 'web_server', 'web_specific_apps', 'worm',
];

export const ALL = 'all';

/** The CRS category of a rule id, or undefined for bookkeeping rules and unknown files. */
export function crsCategoryOf(id: number): string | undefined {
  return crsByFile.get(Math.floor(id / 1000));
}

export function isCrsBookkeeping(id: number): boolean {
  return CRS_BOOKKEEPING_FILES.has(Math.floor(id / 1000));
}

/** The ET category of a match: its `category` when the engine set one, else from "ET <CAT> ..." in msg. */
export function etCategoryOf(m: Pick<RuleMatch, 'msg' | 'category'>): string | undefined {
  if (m.category) return m.category.toLowerCase();
  const r = /^(?:ET|ETPRO|GPL)\s+([A-Za-z0-9_]+)/.exec(m.msg);
  return r ? r[1].toLowerCase() : undefined;
}

/** The category of any match (CRS by file, ET by msg prefix). */
export function categoryOf(m: Pick<RuleMatch, 'source' | 'id' | 'msg' | 'category'>): string | undefined {
  return m.source === 'crs' ? crsCategoryOf(m.id) : etCategoryOf(m);
}
