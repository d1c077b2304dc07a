/**
 * @module synth
 * `npm run synth`: writes the CloudFormation templates to dist/aws/ (global table, region a,
 * region b). AWS regions default to eu-west-1 / eu-central-1; set AWS_REGION_A / AWS_REGION_B.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { DIST } from '../local/build'
import { globalTableStack } from './global-table-stack'
import { regionalStack } from './regional-stack'

const awsRegions = {
  a: process.env.AWS_REGION_A || 'eu-west-1',
  b: process.env.AWS_REGION_B || 'eu-central-1',
}
const out = path.join(DIST, 'aws')
mkdirSync(out, { recursive: true })
const write = (name: string, t: unknown) =>
  writeFileSync(path.join(out, name), `${JSON.stringify(t, null, 2)}\n`)
write('global-table.json', globalTableStack('edgewater', awsRegions))
for (const region of ['a', 'b'] as const) {
  write(
    `region-${region}.json`,
    regionalStack({
      region,
      awsRegions,
      tableName: 'edgewater',
      schedulerGroup: 'edgewater-timers',
    })
  )
}
console.log(`wrote ${out}/{global-table,region-a,region-b}.json`)
