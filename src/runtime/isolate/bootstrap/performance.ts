// High Resolution Time §4: the Performance interface (now() from the host's monotonic clock,
// timeOrigin, toJSON()). Performance inherits from EventTarget.
import { EventTarget } from './events.ts';
import { ILLEGAL, host, hostCall } from './util.ts';

export class Performance extends EventTarget {
  get [Symbol.toStringTag](): string { return 'Performance'; }
  #brand = true;
  constructor(key: any = undefined) {
    if (key !== ILLEGAL) throw new TypeError('Illegal constructor');
    super();
  }
  now(): number {
    void this.#brand;
    return hostCall('now');
  }
  get timeOrigin(): number {
    void this.#brand;
    return host.timeOrigin;
  }
  toJSON(): { timeOrigin: number } {
    void this.#brand;
    return { timeOrigin: host.timeOrigin };
  }
}
