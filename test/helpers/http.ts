/** Loosely typed JSON body for assertions (tests check shapes with expect, not the compiler). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function json(res: Response | Promise<Response>): Promise<Json> {
  return (await res).json();
}
