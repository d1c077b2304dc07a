/**
 * @module edge/capped-body
 * Reads the body of an internal request to the edge with a size limit that holds before the body
 * is buffered: a declared `Content-Length` over the limit is refused before a byte is read, and a
 * body without one is read only until it passes the limit (`MAX_INTERNAL_BODY_BYTES`). The
 * signature is checked afterwards, over the bytes read. A body whose length is declared within
 * the limit is read in one piece (the runtime ends a body at its declared length), so the common
 * case costs one read, not one per chunk.
 */

export type CappedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false }

export async function readCappedBody(request: Request, maxBytes: number): Promise<CappedBody> {
  const declared = request.headers.get('content-length')
  if (declared !== null && !(Number(declared) <= maxBytes)) {
    await request.body?.cancel().catch(() => undefined)
    return { ok: false }
  }
  if (!request.body) return { ok: true, bytes: new Uint8Array() }
  if (declared !== null) return { ok: true, bytes: new Uint8Array(await request.arrayBuffer()) }
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return { ok: false }
    }
    chunks.push(value)
  }
  const bytes = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    bytes.set(c, at)
    at += c.byteLength
  }
  return { ok: true, bytes }
}
