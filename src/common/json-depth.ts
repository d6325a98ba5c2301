/**
 * How deeply JSON nests, measured without recursion, so that a hostile document cannot overflow
 * the stack of the code that measures it. Node's JSON.parse is iterative, but JSON.stringify,
 * schema validators and mappers recurse: a body is measured before any of them sees it.
 */

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * True when the JSON text nests objects/arrays deeper than `max` levels (`[]` is 1, `[[1]]` is
 * 2). Brackets inside strings do not count. Scans the bytes once; invalid JSON is left for the
 * parser to refuse.
 */
export function jsonTextDeeperThan(text: string | Buffer, max: number): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_OBJECT || b === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/**
 * True when a parsed value nests objects/arrays deeper than `max` levels; walks breadth-first
 * with an explicit queue and stops as soon as the limit is passed.
 */
export function jsonValueDeeperThan(value: unknown, max: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const v of level) {
      if (v === null || typeof v !== 'object') continue;
      if (depth + 1 > max) return true;
      for (const child of Array.isArray(v) ? v : Object.values(v)) {
        if (child !== null && typeof child === 'object') next.push(child);
      }
    }
    level = next;
  }
  return false;
}
