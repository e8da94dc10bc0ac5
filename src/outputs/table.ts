// A readable live table of incidents for terminals (the demo, `proctap incidents`).
import type { Incident, IncidentEvent } from '../incidents/types';
import { SEVERITY_NAMES } from '../incidents/types';

interface Column {
  title: string;
  width: number;
  value: (inc: Incident, kind: IncidentEvent['kind']) => string;
}

function clip(s: string, w: number): string {
  const clean = s.replace(/[\x00-\x1f\x7f]/g, '.');
  return clean.length > w ? clean.slice(0, w - 1) + '…' : clean.padEnd(w);
}

function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function remote(inc: Incident): string {
  const c = inc.connection;
  return c.remoteAddr.includes(':') ? `[${c.remoteAddr}]:${c.remotePort}` : `${c.remoteAddr}:${c.remotePort}`;
}

function what(inc: Incident): string {
  if (inc.request) {
    const status = inc.response ? ` -> ${inc.response.status}` : '';
    return `${inc.request.method} ${inc.request.uri}${status}`;
  }
  if (inc.stream) return `tcp ${inc.stream.direction} @${inc.stream.offset}`;
  return '';
}

const COLUMNS: Column[] = [
  { title: 'TIME', width: 8, value: (i) => hhmmss(i.lastSeenMs) },
  { title: 'SEVERITY', width: 8, value: (i) => SEVERITY_NAMES[i.severity] },
  { title: 'DIR', width: 3, value: (i) => (i.connection.direction === 'inbound' ? 'in' : 'out') },
  { title: 'PROTO', width: 5, value: (i) => i.connection.protocol },
  { title: 'PROCESS', width: 18, value: (i) => `${i.process.comm || '?'}[${i.process.pid}]` },
  { title: 'REMOTE', width: 21, value: remote },
  { title: 'REQUEST', width: 34, value: what },
  { title: 'SCORE', width: 7, value: (i) => `${i.score}/${i.threshold}` },
  { title: 'N', width: 4, value: (i, k) => (k === 'masked' ? 'mask' : String(i.count)) },
  { title: 'RULES', width: 60, value: (i) => `${i.rules.map((r) => `${r.source}:${r.id}`).join(',')} ${i.summary}` },
];

export function tableHeader(): string {
  return COLUMNS.map((c) => c.title.padEnd(c.width)).join(' ').trimEnd();
}

export function tableRow(inc: Incident, kind: IncidentEvent['kind'] = 'raised'): string {
  return COLUMNS.map((c) => clip(c.value(inc, kind), c.width)).join(' ').trimEnd();
}

/** Prints a header once, then one row per event. */
export class TablePrinter {
  private headerDone = false;

  constructor(private readonly out: NodeJS.WritableStream) {}

  print(ev: IncidentEvent): void {
    if (!this.headerDone) {
      this.out.write(tableHeader() + '\n');
      this.headerDone = true;
    }
    this.out.write(tableRow(ev.incident, ev.kind) + '\n');
  }
}
