/**
 * Search-term handling shared by the change list: splitting a query into words the way
 * Django's admin does (`smart_split` + `unescape_string_literal`) and escaping LIKE patterns.
 */

// Django's django.utils.text.smart_split_re: a word is a run of non-space characters that may
// contain complete "…" or '…' quoted strings (with backslash escapes); anything else that is
// not whitespace (e.g. an unterminated quote) is a word of its own.
const SMART_SPLIT =
  /((?:[^\s'"]*(?:(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+)|\S+)/gsu;

/**
 * Splits a search query into words as Django's `ModelAdmin.get_search_results` does:
 * whitespace separates words, except inside "double" or 'single' quotes; a word that is
 * entirely quoted has its quotes removed and `\"`, `\'` and `\\` unescaped. An unterminated
 * quote is kept literally as part of a word. Empty words are dropped.
 *
 * @param query - the raw `q` parameter
 * @returns the words, each to be matched literally (never interpreted as SQL or a pattern)
 * @example splitSearchTerms(`ann "new york" 'o\\'neil'`) → ["ann", "new york", "o'neil"]
 */
export function splitSearchTerms(query: string): string[] {
  const out: string[] = [];
  for (const m of query.matchAll(SMART_SPLIT)) {
    let word = m[0];
    const first = word[0];
    if ((first === '"' || first === "'") && word.length >= 2 && word[word.length - 1] === first) {
      word = word.slice(1, -1).replaceAll(`\\${first}`, first).replaceAll("\\\\", "\\");
    }
    if (word !== "") out.push(word);
  }
  return out;
}

/** The escape character used in every LIKE pattern the change list builds (`ESCAPE '\'`). */
export const LIKE_ESCAPE = "\\";

/**
 * Escapes `%`, `_` and the escape character itself so a user's word matches literally in
 * `LIKE ? ESCAPE '\'`. The pattern is always bound as a parameter, never spliced into SQL.
 *
 * @param word - a search word
 * @returns the word with LIKE metacharacters escaped
 */
export function escapeLike(word: string): string {
  return word.replace(/[\\%_]/g, (c) => LIKE_ESCAPE + c);
}
