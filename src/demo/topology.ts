// The demo's network: two namespaces it creates and removes itself. "app" holds the web app and the
// compromised process (the agent captures this namespace only); "net" plays the outside world: the
// visitors and attackers, and the command-and-control server. A veth pair joins them.
import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';

export const APP_ADDR = '10.77.7.2';
export const NET_ADDR = '10.77.7.1';

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || String(r.error)).trim()}`);
}

export class DemoNetwork {
  readonly app: string;
  readonly net: string;
  private removed = false;

  constructor() {
    const tag = crypto.randomBytes(3).toString('hex');
    this.app = `proctap-demo-app-${tag}`;
    this.net = `proctap-demo-net-${tag}`;
    const va = `ptd${tag}a`;
    const vn = `ptd${tag}n`;
    try {
      ip(['netns', 'add', this.app]);
      ip(['netns', 'add', this.net]);
      ip(['link', 'add', va, 'netns', this.app, 'type', 'veth', 'peer', 'name', vn, 'netns', this.net]);
      for (const [ns, dev, addr] of [[this.app, va, APP_ADDR], [this.net, vn, NET_ADDR]]) {
        ip(['-n', ns, 'link', 'set', 'lo', 'up']);
        ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev]);
        ip(['-n', ns, 'link', 'set', dev, 'up']);
      }
    } catch (err) {
      this.remove();
      throw err;
    }
  }

  get appPath(): string {
    return `/run/netns/${this.app}`;
  }

  /** Kills every process left in the namespaces and deletes them (the veth pair goes with them). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const ns of [this.app, this.net]) {
      if (!fs.existsSync(`/run/netns/${ns}`)) continue;
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
      for (const p of pids.split('\n').filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
  }
}
