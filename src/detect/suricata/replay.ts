// A pcap through the flow/HTTP pipeline and the ET engine: HTTP rules on each transaction side,
// stream rules on every reassembled chunk (HTTP flows included), flowbits cleared at flow end.
import { replayPcap, type PcapReplayResult } from '../../pipeline';
import type { EtMatch, MatchOptions, SuricataEngine } from './engine';
import { alertToEve, type EveAlertRecord } from './eve';

export interface ReplayAlert {
  match: EtMatch;
  eve: EveAlertRecord;
}

export interface ReplaySummary {
  pcap: PcapReplayResult;
  alerts: number;
  transactions: number;
  streamChunks: number;
  flows: number;
}

export interface ReplayOptions extends MatchOptions {
  /**
   * Reassemble TCP flows whose handshake is not in the capture. Off by default, as Suricata's
   * stream.midstream: false (such flows are ignored, so a replay alerts as Suricata -r does).
   */
  midstream?: boolean;
}

export function replayWithEngine(file: string, engine: SuricataEngine, onAlert: (a: ReplayAlert) => void, replayOpts: ReplayOptions = {}): ReplaySummary {
  const { midstream = false, ...opts } = replayOpts;
  let alerts = 0;
  let transactions = 0;
  let streamChunks = 0;
  let flows = 0;
  const emit = (ms: EtMatch[], make: (m: EtMatch) => EveAlertRecord): void => {
    for (const m of ms) {
      alerts++;
      onAlert({ match: m, eve: make(m) });
    }
  };
  const pcap = replayPcap(
    file,
    (ev) => {
      switch (ev.kind) {
        case 'http-request': {
          transactions++;
          const t = ev.tx.request!.startMs;
          emit(engine.matchRequest(ev.tx, { ...opts, appProto: 'http' }), (m) => alertToEve(m, ev.tx.flow, t, ev.tx, 'http'));
          break;
        }
        case 'http-response': {
          const t = ev.tx.response!.startMs;
          emit(engine.matchResponse(ev.tx, { ...opts, appProto: 'http' }), (m) => alertToEve(m, ev.tx.flow, t, ev.tx, 'http'));
          break;
        }
        case 'stream': {
          streamChunks++;
          const app = ev.http ? 'http' : undefined;
          emit(engine.matchStream(ev.chunk, { ...opts, appProto: app }), (m) => alertToEve(m, ev.chunk.flow, ev.chunk.timeMs, undefined, app));
          break;
        }
        case 'flow-end':
          flows++;
          engine.endFlow(ev.flow);
          break;
      }
    },
    { rawStreams: 'all', reassembly: { midstream } },
  );
  return { pcap, alerts, transactions, streamChunks, flows };
}
