// StateStore in one JSON file (state.json in the state dir), rewritten atomically (temp file, fsync,
// rename) after each change, so a crash leaves the old or the new file, never half of one.
import * as fs from 'fs';
import * as path from 'path';
import { ruleStateKey, type AgentStateData, type MaskRecord, type RuleStateRecord, type StateStore } from './types';

export const STATE_FILE = 'state.json';

function empty(): AgentStateData {
  return { version: 1, masks: [], rules: [] };
}

export class StateFileError extends Error {}

function checkData(file: string, v: unknown): AgentStateData {
  const d = v as Partial<AgentStateData> | null;
  if (!d || typeof d !== 'object' || d.version !== 1 || !Array.isArray(d.masks) || !Array.isArray(d.rules)) {
    throw new StateFileError(`${file}: not a proctap state file (version 1 with masks and rules lists)`);
  }
  return { version: 1, masks: d.masks, rules: d.rules };
}

export class JsonFileStateStore implements StateStore {
  readonly file: string;
  private data: AgentStateData = empty();
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {
    this.file = path.join(dir, STATE_FILE);
  }

  async load(): Promise<AgentStateData> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    let text: string;
    try {
      text = await fs.promises.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.data = empty();
        return structuredClone(this.data);
      }
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Never overwrite operator decisions we could not read: refuse to start instead.
      throw new StateFileError(`${this.file}: invalid JSON: ${(err as Error).message}`);
    }
    this.data = checkData(this.file, parsed);
    return structuredClone(this.data);
  }

  putMask(m: MaskRecord): Promise<void> {
    const i = this.data.masks.findIndex((x) => x.incidentId === m.incidentId);
    if (i >= 0) this.data.masks[i] = { ...m };
    else this.data.masks.push({ ...m });
    return this.persist();
  }

  putRuleState(r: RuleStateRecord): Promise<void> {
    const k = ruleStateKey(r);
    const i = this.data.rules.findIndex((x) => ruleStateKey(x) === k);
    if (i >= 0) this.data.rules[i] = { ...r };
    else this.data.rules.push({ ...r });
    return this.persist();
  }

  private persist(): Promise<void> {
    const text = JSON.stringify(this.data, null, 2) + '\n';
    // Serialise writes so an older snapshot never lands after a newer one.
    this.writing = this.writing.then(() => this.writeAtomic(text));
    return this.writing;
  }

  private async writeAtomic(text: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fh = await fs.promises.open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, this.file);
  }

  async close(): Promise<void> {
    await this.writing;
  }
}
