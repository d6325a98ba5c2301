/**
 * What every string a client sends through GraphQL must be, wherever it sits (arguments,
 * filters, input objects, JSON scalars, object keys): no NUL character (PostgreSQL text and jsonb
 * cannot hold it), no lone UTF-16 surrogate (not Unicode; jsonb refuses it), and at most
 * MAX_STRING_LENGTH characters. Variables nest at most MAX_VARIABLE_DEPTH levels. Pure and
 * iterative: a body nested 100,000 levels deep costs no stack.
 */
export const MAX_STRING_LENGTH = 10_000;
export const MAX_VARIABLE_DEPTH = 64;

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` is refused, or undefined when it is acceptable. */
export function badString(text: string): string | undefined {
  if (text.length > MAX_STRING_LENGTH)
    return `a string longer than ${MAX_STRING_LENGTH} characters`;
  if (text.includes('\u0000')) return 'a NUL character';
  if (LONE_SURROGATE.test(text)) return 'a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

/** The first problem in a JSON value, with the path to it (`input.title`), or undefined. */
export function badInputValue(
  value: unknown,
  root: string,
): { path: string; reason: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: root, depth: 0 },
  ];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const reason = badString(item.value);
      if (reason) return { path: item.path, reason };
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_VARIABLE_DEPTH)
      return { path: item.path, reason: `nesting deeper than ${MAX_VARIABLE_DEPTH} levels` };
    const entries = Array.isArray(item.value)
      ? item.value.map((v, i) => [String(i), v] as const)
      : Object.entries(item.value);
    for (const [key, child] of entries) {
      const path = Array.isArray(item.value) ? `${item.path}[${key}]` : `${item.path}.${key}`;
      const reason = Array.isArray(item.value) ? undefined : badString(key);
      if (reason) return { path, reason: `a key with ${reason}` };
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return undefined;
}
