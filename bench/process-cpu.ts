// CPU time a process has used so far, all its threads, user and system, from Linux's
// /proc/<pid>/stat; undefined where there is no /proc (macOS) or the process is gone. The bench
// reads it around each load run to give each server's CPU per request: what every hop costs
// whatever the scheduler did with the two cores, and what a Lambda invocation is billed for.
//
//   const before = await processCpuMs(server.pid);
//   ...load...
//   const used = (await processCpuMs(server.pid)) - before;

import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      ticksPerSecond = Number.NaN;
    }
    // Linux's USER_HZ is 100 nearly everywhere; getconf is only asked to be sure.
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

export async function processCpuMs(pid: number): Promise<number | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  // Fields 14 and 15 are utime and stime, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return ((utime + stime) * 1000) / clockTicks();
}
