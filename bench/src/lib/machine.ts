import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** What the numbers were measured on; written into every results file. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the results were written: a busy machine skews every number. */
  loadAverage: number[];
}

/** Describes this machine and runtime. */
export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    loadAverage: loadAverage(),
  };
}

/** The 1, 5 and 15 minute load averages now, to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((x) => Math.round(x * 100) / 100);
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  // resourceUsage().maxRSS is in kilobytes on every platform Node supports.
  return process.resourceUsage().maxRSS / 1024;
}

/** Current resident set size of this process, in MB. */
export function rssMb(): number {
  return process.memoryUsage().rss / 1024 ** 2;
}
