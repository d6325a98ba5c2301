/**
 * The part of picomatch's API Shipwatch uses (picomatch ships no types of its own). Kept here
 * rather than as @types/picomatch so that the typings follow exactly what path-glob.rule.ts
 * relies on.
 */
declare module 'picomatch' {
  interface PicomatchOptions {
    /** Match dot files and folders like any other. */
    readonly dot?: boolean;
    /** Throw on unbalanced brackets, braces and parentheses instead of matching them literally. */
    readonly strictBrackets?: boolean;
    /** Throw when the compiled regular expression is invalid, instead of matching nothing. */
    readonly debug?: boolean;
  }
  interface Picomatch {
    /** A matcher: true when a path matches any of the globs. */
    (glob: string | string[], options?: PicomatchOptions): (path: string) => boolean;
    makeRe(glob: string, options?: PicomatchOptions): RegExp;
  }
  const picomatch: Picomatch;
  export default picomatch;
}
