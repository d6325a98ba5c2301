/**
 * CPU time of a phase, per event: this process (the server and the load generator's thread
 * together) and the PostgreSQL server's processes, so that a phase's cost can be split between
 * Node and the database and set beside the raw INSERT's. PostgreSQL's CPU is read from /proc:
 * only a server on this machine, on Linux; null otherwise.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuMark {
  readonly nodeMs: number;
  readonly postgresMs: number | null;
}

/** Linux reports process times in clock ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

export function cpuMark(): CpuMark {
  const { user, system } = process.cpuUsage();
  return { nodeMs: (user + system) / 1000, postgresMs: postgresCpuMs() };
}

/** CPU ms per event since `from`. */
export function cpuPerEvent(
  from: CpuMark,
  events: number,
): { nodeMs: number; postgresMs: number | null } {
  const to = cpuMark();
  const per = (ms: number) => Math.round((ms / Math.max(1, events)) * 1000) / 1000;
  return {
    nodeMs: per(to.nodeMs - from.nodeMs),
    postgresMs:
      to.postgresMs === null || from.postgresMs === null
        ? null
        : per(to.postgresMs - from.postgresMs),
  };
}

/**
 * User and system time of every `postgres` process, with the time of exited children that the
 * postmaster collected (a backend that ends during a phase still counts).
 */
function postgresCpuMs(): number | null {
  let ticks = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // ended meanwhile
    }
    const close = stat.lastIndexOf(')');
    if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
    // Fields after "(comm) ": state is the 1st; utime, stime, cutime, cstime the 12th to 15th.
    const fields = stat.slice(close + 2).split(' ');
    ticks += fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0);
    found = true;
  }
  return found ? ticks * TICK_MS : null;
}
