// The server's bounds on lineage questions, asked once and kept while the page is open.

import { request } from "./api";
import { LIMITS, type ServerLimits } from "./queries";

let asked: Promise<ServerLimits> | null = null;

/** The server's limits; a request that failed is forgotten, so the next lineage view asks again. */
export function serverLimits(): Promise<ServerLimits> {
  asked ??= request(LIMITS, {}).then(
    (answer) => answer.limits,
    (error: unknown) => {
      asked = null;
      throw error;
    },
  );
  return asked;
}
