/**
 * @module ims/ims-result
 * The result type of every parser in `shared/ims`: a value, or an error that names the element
 * (as a path such as `InitialFilterCriteria[1].TriggerPoint.SPT[0].SessionCase`) and the problem,
 * so an HTTP layer can answer 400 with a reason a provisioning client can act on.
 */
export interface ImsXmlError {
  /** Where the problem is: element path from the document root, or `(document)`. */
  path: string
  /** What is wrong, in one sentence. */
  message: string
}

export type ImsResult<T> = { ok: true; value: T } | { ok: false; error: ImsXmlError }

export function ok<T>(value: T): ImsResult<T> {
  return { ok: true, value }
}

export function fail<T = never>(path: string, message: string): ImsResult<T> {
  return { ok: false, error: { path, message } }
}

/** `path: message`, the form used in HTTP error reasons and logs. */
export function describeError(e: ImsXmlError): string {
  return `${e.path}: ${e.message}`
}

/** Thrown internally by parsers to unwind to their entry point; never escapes `shared/ims`. */
export class ImsParseError extends Error {
  override name = 'ImsParseError'
  constructor(
    readonly path: string,
    message: string
  ) {
    super(message)
  }
}
