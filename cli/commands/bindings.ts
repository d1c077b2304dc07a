/**
 * @module cli/commands/bindings
 * `edgewater bindings <impu>`: the registration bindings Sprout holds for a public identity
 * (Sprout's `GET /impu/<impu>/bindings`, functions/sprout/admin.ts), from region a, or region b
 * when a does not answer.
 */
import { parseCommandArgs } from '../args'
import { CliError, type Command } from '../command'
import { emit } from '../http'
import { sproutEitherRegion } from './sprout-either'

interface Binding {
  uri?: string
  expires?: number
  cid?: string
  cseq?: number
  path_headers?: string[]
  [k: string]: unknown
}

export const bindings: Command = {
  name: 'bindings',
  summary: "a public identity's registration bindings",
  help: [
    'usage: edgewater bindings <impu> [--json]',
    '',
    'Prints the bindings Sprout holds for <impu> (sip:alice@example.com): each contact, its expiry',
    'and Call-ID. Reads region a, or region b when a does not answer.',
  ].join('\n'),
  async run(args, ctx) {
    const { positionals } = parseCommandArgs(
      'bindings',
      args,
      {},
      { min: 1, max: 1, names: 'one <impu>' }
    )
    const impu = positionals[0]!
    const { res, region } = await sproutEitherRegion(
      ctx,
      'GET',
      `/impu/${encodeURIComponent(impu)}/bindings`
    )
    if (res.status === 404) throw new CliError(`${impu} has no registration bindings.`)
    if (res.status !== 200)
      throw new CliError(`Sprout answered ${res.status}: ${res.text.slice(0, 200)}.`)
    const all = ((res.body as { bindings?: Record<string, Binding> })?.bindings ?? {}) as Record<
      string,
      Binding
    >
    const nowS = ctx.now() / 1000
    emit(ctx, { impu, region, bindings: all }, () => {
      const ids = Object.keys(all)
      if (ids.length === 0) return [`${impu}: no bindings`]
      return [
        `${impu}: ${ids.length} binding${ids.length === 1 ? '' : 's'} (region ${region})`,
        ...ids.map((id) => {
          const b = all[id]!
          const left =
            typeof b.expires === 'number'
              ? ` expires in ${Math.max(0, Math.round(b.expires - nowS))} s`
              : ''
          return `  ${b.uri ?? id}${left}${b.cid ? ` call-id ${b.cid}` : ''}`
        }),
      ]
    })
  },
}
