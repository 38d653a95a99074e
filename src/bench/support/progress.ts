import { Presets, SingleBar } from 'cli-progress';

/**
 * One progress bar on stderr, re-labelled per phase. Without a terminal (CI, a pipe) the bar is
 * silent and each phase prints one line instead, so logs still show where the time went.
 */
export class Progress {
  private bar: SingleBar | null = null;
  private readonly tty = Boolean(process.stderr.isTTY);
  private phase: { name: string; t0: number } | null = null;

  constructor(private readonly scenario: string) {}

  /** `unit` follows the value, e.g. "s" for a timed phase or "events". */
  start(phase: string, total: number, unit: string): void {
    this.stop();
    this.phase = { name: phase, t0: Date.now() };
    if (!this.tty) {
      process.stderr.write(`[${this.scenario}] ${phase} (${total} ${unit})\n`);
      return;
    }
    this.bar = new SingleBar(
      { format: `${this.scenario.padEnd(8)} ${phase.padEnd(34).slice(0, 34)} [{bar}] {value}/{total} ${unit} {info}`, stream: process.stderr, hideCursor: true, barsize: 24 },
      Presets.shades_classic,
    );
    this.bar.start(total, 0, { info: '' });
  }

  update(value: number, info = ''): void {
    this.bar?.update(value, { info });
  }

  /** Runs a fixed-duration phase, ticking the bar every 250 ms; `info` shows a live figure. */
  async timed<T>(phase: string, seconds: number, work: Promise<T>, info: () => string = () => ''): Promise<T> {
    this.start(phase, seconds, 's');
    const t0 = Date.now();
    const timer = setInterval(() => this.update(Math.min(seconds, Math.round((Date.now() - t0) / 1000)), info()), 250);
    try {
      return await work;
    } finally {
      clearInterval(timer);
      this.update(seconds, info());
      this.stop();
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
    // Without a bar, say how long the phase took.
    if (this.phase && !this.tty) process.stderr.write(`[${this.scenario}] ${this.phase.name}: ${((Date.now() - this.phase.t0) / 1000).toFixed(1)} s\n`);
    this.phase = null;
  }

  log(line: string): void {
    const bar = this.bar;
    if (bar) bar.stop();
    process.stderr.write(`[${this.scenario}] ${line}\n`);
    this.bar = null;
  }
}
