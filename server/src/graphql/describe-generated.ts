import { isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';

const RELAY_ARGS: Record<string, string> = {
  first: 'Return at most this many items from the start (after `after`).',
  after: 'Cursor to continue after (from `pageInfo.endCursor`).',
  last: 'Return at most this many items from the end (before `before`).',
  before: 'Cursor to continue before (from `pageInfo.startCursor`).',
};

const PAGE_INFO: Record<string, string> = {
  hasNextPage: 'Whether more items follow this page.',
  hasPreviousPage: 'Whether items precede this page.',
  startCursor: 'Cursor of the first item on this page.',
  endCursor: 'Cursor of the last item on this page; pass it as `after` for the next page.',
};

const lowerFirst = (text: string) => text.charAt(0).toLowerCase() + text.slice(1);

/**
 * Pothos generates result unions, success wrappers and connection types without descriptions.
 * The schema is public API, so fill them in from the field they belong to rather than leave gaps.
 */
export function describeGeneratedTypes(schema: GraphQLSchema): GraphQLSchema {
  const rootFields = {
    Mutation: schema.getMutationType()?.getFields() ?? {},
    Query: schema.getQueryType()?.getFields() ?? {},
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    const wrapper = /^(Mutation|Query)(.+?)(Result|Success)$/.exec(type.name);
    if (wrapper?.[2]) {
      const root = wrapper[1] as keyof typeof rootFields;
      const fieldName = wrapper[2].charAt(0).toLowerCase() + wrapper[2].slice(1);
      const what = rootFields[root][fieldName]?.description ?? fieldName;
      type.description ??=
        wrapper[3] === 'Result'
          ? `Outcome of \`${fieldName}\`: the success wrapper or one of the typed errors.`
          : `Success of \`${fieldName}\`: ${lowerFirst(what)}`;
      if (isObjectType(type)) {
        const data = type.getFields().data;
        if (data) data.description ??= 'The result.';
      }
    }
    if (isUnionType(type))
      type.description ??= `One of: ${type
        .getTypes()
        .map((t) => t.name)
        .join(', ')}.`;
    if (isObjectType(type) && type.name.endsWith('ConnectionEdge')) {
      type.description ??= 'An item in a page, with its cursor.';
      const fields = type.getFields();
      if (fields.cursor) fields.cursor.description ??= 'Opaque cursor of this item.';
      if (fields.node) fields.node.description ??= 'The item.';
    } else if (isObjectType(type) && type.name.endsWith('Connection')) {
      const fields = type.getFields();
      if (fields.edges) fields.edges.description ??= 'The items on this page.';
      if (fields.pageInfo) fields.pageInfo.description ??= 'Where this page sits in the whole list.';
    }
    if (type.name === 'PageInfo' && isObjectType(type)) {
      for (const field of Object.values(type.getFields())) field.description ??= PAGE_INFO[field.name];
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.name === 'id') field.description ??= 'Global ID (Relay); use it with `node(id:)`.';
        for (const arg of field.args) {
          arg.description ??=
            RELAY_ARGS[arg.name] ??
            (arg.name === 'id' ? 'A global ID.' : arg.name === 'ids' ? 'Global IDs.' : undefined);
        }
      }
    }
    if (isInputObjectType(type)) type.description ??= `Input for ${type.name}.`;
  }
  return schema;
}
