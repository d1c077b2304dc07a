/**
 * @module hop/fetch
 * The one outbound-request signature every component takes as a dependency (the runtime's
 * `fetch`, or a test's in-process router), so a client never calls the global `fetch` itself
 * (contributing §5).
 */
export type Fetch = (url: string, init: RequestInit) => Promise<Response>
