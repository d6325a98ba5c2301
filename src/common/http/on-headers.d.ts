/**
 * on-headers ships no types (and @types/on-headers trails its releases): the one function it
 * exports, as its README documents it.
 */
declare module 'on-headers' {
  import type { ServerResponse } from 'node:http';

  /** Calls `listener` once, just before `res` writes its headers (the headers can still change). */
  function onHeaders(res: ServerResponse, listener: (this: ServerResponse) => void): void;
  export default onHeaders;
}
