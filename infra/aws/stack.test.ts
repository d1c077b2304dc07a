import { describe, expect, it } from 'vitest'
import { FUNCTIONS } from '../../shared/config/regions'
import { tableDefinition } from '../../shared/vellum/table-schema'
import { SCHEDULER_GROUP } from '../local/function-bindings'
import { globalTableStack } from './global-table-stack'
import { regionalStack, unsetRequiredSettings } from './regional-stack'

const awsRegions = { a: 'eu-west-1', b: 'eu-central-1' }
const opts = (region: 'a' | 'b') => ({
  region,
  awsRegions,
  tableName: 'edgewater',
  schedulerGroup: SCHEDULER_GROUP,
})

describe('AWS stacks', () => {
  it('sets every required function setting in each region', () => {
    expect(unsetRequiredSettings(opts('a'))).toEqual([])
    expect(unsetRequiredSettings(opts('b'))).toEqual([])
  })

  it('declares a Lambda with a function URL for every function', () => {
    const t = regionalStack(opts('b')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>
    }
    for (const fn of FUNCTIONS) {
      const logical = `${fn[0]!.toUpperCase()}${fn.slice(1)}Function`
      expect(t.Resources[logical]?.Type).toBe('AWS::Lambda::Function')
      expect(t.Resources[logical]?.Properties.FunctionName).toBe(`edgewater-${fn}-b`)
      expect(t.Resources[`${logical}Url`]?.Type).toBe('AWS::Lambda::Url')
    }
    const sprout = t.Resources.SproutFunction
    expect(sprout).toBeDefined()
    const env = (sprout!.Properties.Environment as { Variables: Record<string, unknown> }).Variables
    expect(env.REGION).toBe('b')
    expect(env.SCHEDULER_REMOTE_REGION).toBe('eu-west-1')
    expect(env.TRUST_CLOCK_HEADER).toBeUndefined()
  })

  it('lets the Scheduler role invoke both regions’ timers functions (backup schedules cross regions)', () => {
    const t = regionalStack(opts('a')) as {
      Resources: Record<
        string,
        { Properties: { Policies: { PolicyDocument: { Statement: { Resource: unknown }[] } }[] } }
      >
    }
    const res = JSON.stringify(
      t.Resources.SchedulerRole?.Properties.Policies[0]?.PolicyDocument.Statement[0]?.Resource
    )
    expect(res).toContain('eu-west-1')
    expect(res).toContain('edgewater-timers-a')
    expect(res).toContain('eu-central-1')
    expect(res).toContain('edgewater-timers-b')
  })

  it('builds the global table from the same definition the local cloud creates', () => {
    const t = globalTableStack('edgewater', awsRegions) as {
      Resources: { Table: { Properties: Record<string, unknown> } }
    }
    const p = t.Resources.Table.Properties
    const local = tableDefinition('edgewater')
    expect(p.KeySchema).toEqual(local.KeySchema)
    expect(p.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes)
    expect((p.Replicas as { Region: string }[]).map((r) => r.Region)).toEqual([
      'eu-west-1',
      'eu-central-1',
    ])
  })
})
