import {
  Kind,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { ANONYMOUS_MAX_TOKENS, TOKEN_LIMIT_MESSAGE } from '../common/graphql/limits.js';

/** What a request without a valid API token may ask for: the server's name and version. */
export const ANONYMOUS_FIELDS: ReadonlySet<string> = new Set(['serverInfo', '__typename']);

export const ANONYMOUS_REFUSAL =
  'without an API token only serverInfo may be queried: send "Authorization: Bearer <token>"';

/**
 * Whether an anonymous GraphQL request (its JSON body, or the query string of a GET) is refused,
 * and why. The document is parsed with a limit of ANONYMOUS_MAX_TOKENS tokens and its selections
 * are walked once each (fragments followed once), so the answer costs O(ANONYMOUS_MAX_TOKENS)
 * whatever the document is. A document that does not parse is left to Apollo, which answers
 * GRAPHQL_PARSE_FAILED for the same small text.
 */
export function anonymousRefusal(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return ANONYMOUS_REFUSAL;
  const query = (body as { query?: unknown }).query;
  if (typeof query !== 'string') return ANONYMOUS_REFUSAL;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: ANONYMOUS_MAX_TOKENS, noLocation: true });
  } catch (error) {
    return TOKEN_LIMIT_MESSAGE.test((error as Error).message) ? ANONYMOUS_REFUSAL : undefined;
  }
  return onlyAnonymousFields(document) ? undefined : ANONYMOUS_REFUSAL;
}

function onlyAnonymousFields(document: DocumentNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const pending: SelectionSetNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
    else if (
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation === OperationTypeNode.QUERY
    )
      pending.push(definition.selectionSet);
    else return false;
  }
  const followed = new Set<string>();
  while (pending.length > 0) {
    for (const selection of pending.pop()!.selections) {
      if (selection.kind === Kind.FIELD) {
        if (!ANONYMOUS_FIELDS.has(selection.name.value)) return false;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        pending.push(selection.selectionSet);
      } else if (!followed.has(selection.name.value)) {
        followed.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) pending.push(fragment.selectionSet);
      }
    }
  }
  // A fragment no operation uses could hide anything: refused as well.
  return followed.size === fragments.size;
}
