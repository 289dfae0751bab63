// What text from a client may contain, decided once for every input: schema patterns, cleaning
// before storage, and parsing all use these.

/**
 * C0 and C1 control characters and DEL. NUL breaks PostgreSQL text and jsonb, CR and LF forge log
 * lines, and none of them belongs in a name, a label or an identifier.
 */
const CONTROL_RANGE = '\\u0000-\\u001f\\u007f-\\u009f';
const CONTROL_RUN = new RegExp(`[${CONTROL_RANGE}]+`, 'g');

/** A JSON-schema `pattern` for printable text (no control characters at all). */
export const PRINTABLE_PATTERN = `^[^${CONTROL_RANGE}]*$`;

// Half of a surrogate pair (a cut in the middle of an emoji, or plain garbage) is not valid UTF-16.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** True when `value` holds no half of a surrogate pair: well-formed UTF-16, as a database stores it. */
export function isWellFormed(value: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(value);
}

/**
 * Client text as it may be stored and shown: at most `maxLength` characters (cut before any regex
 * runs, so a huge input costs no more than a small one), each run of control characters turned into
 * one space, broken surrogate pairs replaced, trimmed. Null when nothing is left.
 */
export function cleanText(value: unknown, maxLength: number): string | null {
  if (typeof value !== 'string') return null;
  const text = value.slice(0, maxLength).replace(CONTROL_RUN, ' ').replace(LONE_SURROGATE, '\ufffd').trim();
  return text === '' ? null : text;
}

/**
 * Unicode format characters (category Cf): bidi overrides and isolates (U+202A–202E, U+2066–2069)
 * that reorder what is shown, zero-width characters that hide inside a word, tags. A name holding
 * one can look like another name. The one exception is a zero-width joiner between two emoji
 * (👩‍💻), which joins pictures and can reorder nothing.
 */
const FORMAT_CHARACTER = /(?!(?<=\p{Extended_Pictographic}\u{FE0F}?|\p{Emoji_Modifier})\u200D(?=\p{Extended_Pictographic}))\p{Cf}/u;

/** True when `value` holds a format character (see FORMAT_CHARACTER). */
export function hasFormatCharacter(value: string): boolean {
  return FORMAT_CHARACTER.test(value);
}

/**
 * A character that shows something: a letter, digit, punctuation or symbol that is not one of the
 * fillers rendered as nothing (Hangul fillers, the blank Braille pattern, other default-ignorable
 * code points). Spaces, combining marks alone and format characters show nothing.
 */
const VISIBLE_CHARACTER = /(?![\p{Default_Ignorable_Code_Point}\u{2800}])[\p{L}\p{N}\p{P}\p{S}]/u;

/** True when `value` has at least one character that shows something (see VISIBLE_CHARACTER). */
export function hasVisibleCharacter(value: string): boolean {
  return VISIBLE_CHARACTER.test(value);
}
