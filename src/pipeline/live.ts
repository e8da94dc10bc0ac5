// Live capture through the flow/protocol stage: CaptureEvents -> FlowTable -> StreamPipeline.
import type { CaptureEvent } from '../capture/types';
import { FlowTable, type FlowTableOptions } from '../flow/flow-table';
import { StreamPipeline, type PipelineEventHandler, type PipelineOptions } from './stream-pipeline';

export interface LivePipelineOptions extends PipelineOptions {
  flows?: FlowTableOptions;
}

export class LivePipeline {
  readonly table: FlowTable;
  readonly pipeline: StreamPipeline;

  constructor(onEvent: PipelineEventHandler, opts: LivePipelineOptions = {}) {
    this.pipeline = new StreamPipeline(onEvent, opts);
    this.table = new FlowTable(this.pipeline, opts.flows);
    this.pipeline.attach(this.table);
  }

  /** One capture event; its payload may be a view into a reused batch buffer (we copy what we keep). */
  push(ev: CaptureEvent): void {
    this.table.push(ev);
  }

  /** Call periodically (e.g. every second) with the current time: ends idle flows. */
  tick(nowMs: number): void {
    this.table.expire(nowMs);
  }

  /** Ends every flow (sensor shutdown). */
  flush(): void {
    this.table.flush('end-of-input');
    this.pipeline.flush('end-of-input');
  }

  counters(): Record<string, number> {
    return { ...this.table.counters(), ...this.pipeline.counters() };
  }
}
