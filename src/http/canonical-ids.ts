import type { Ajv } from 'ajv';

/**
 * `x-lowercase: true` on a string schema makes validation store the value in lower case, so an
 * identifier has one spelling from the moment it arrives: the same session's id written in upper
 * case is the same id everywhere (comparisons, cache keys), not a second one.
 */
export function lowercaseKeyword(ajv: Ajv): Ajv {
  ajv.addKeyword({
    keyword: 'x-lowercase',
    modifying: true,
    schemaType: 'boolean',
    compile: (enabled: boolean) =>
      function lowercase(
        data: unknown,
        context?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
      ): boolean {
        if (enabled && typeof data === 'string' && context?.parentData) context.parentData[context.parentDataProperty] = data.toLowerCase();
        return true;
      },
  });
  return ajv;
}
