import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox';

// TypeBox shapes used by more than one schema file.

/** One of a list of string values, typed as their union. */
export const literalUnion = <T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(
    values.map((v) => Type.Literal(v as T[number])),
    options,
  );

/** A value or null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
