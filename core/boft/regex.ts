// target_modules / exclude_modules regexes are written for Python's `re`; the few constructs
// JS spells differently are translated so a PEFT config means the same thing here.

/** Python named groups `(?P<n>…)` and backreferences `(?P=n)` in JS syntax. */
export function pyRegexToJs(pattern: string): string {
  return pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
}

/** re.fullmatch(pattern, key). */
export function fullMatch(pattern: string, key: string): boolean {
  return new RegExp(`^(?:${pyRegexToJs(pattern)})$`).test(key);
}
