/**
 * @module function-bindings
 * The bindings each region's functions and the edge receive in the local cloud: the same
 * names a deployment sets from infra/aws and wrangler.toml, pointed at loopback emulators.
 */
import { FUNCTIONS, type FunctionUrls, peerOf, type Region } from '../../shared/config/regions'
import { type LocalCloudSettings, timersArn } from './contract'
import { LOCAL_AWS_CREDENTIALS } from './dynamo'
import { localOtherPoolPeers } from './other-pool-bindings'
import { localTrunkBindings } from './trunk-bindings'

export const SCHEDULER_GROUP = 'edgewater-timers'
/** Names of the call test application servers each region's Sprout serves. */
const CALL_TEST_AS = [
  'proxy',
  'proxy2',
  'answer',
  'silent',
  'silent2',
  'reject-404',
  'fail',
  'redirect',
  'retarget',
  'b2bua',
]
/** Path on the timers function that the Scheduler invokes with a schedule's Input. */
export const SCHEDULER_FIRE_PATH = '/scheduler/fire'

export function functionUrls(s: LocalCloudSettings): FunctionUrls {
  const forRegion = (r: Region) =>
    Object.fromEntries(
      FUNCTIONS.map((fn, i) => [fn, `http://127.0.0.1:${s.functionBasePorts[r] + i}`])
    ) as FunctionUrls[Region]
  return { a: forRegion('a'), b: forRegion('b') }
}

/** Region `r`'s functions at their cross-region ingress (gateway), as the other region sees them. */
export function peerIngressUrls(s: LocalCloudSettings, r: Region): FunctionUrls[Region] {
  return Object.fromEntries(
    FUNCTIONS.map((fn, i) => [fn, `http://127.0.0.1:${s.functionPeerPorts[r] + i}`])
  ) as FunctionUrls[Region]
}

/**
 * The function URLs region `caller`'s functions use: their own region's directly, the other
 * region's through its cross-region ingress, which `POST /partition` cuts.
 */
export function functionUrlsFrom(s: LocalCloudSettings, caller: Region): FunctionUrls {
  const urls = functionUrls(s)
  return { ...urls, [peerOf(caller)]: peerIngressUrls(s, peerOf(caller)) } as FunctionUrls
}

/** The token region `caller`'s functions present to region `db`'s KV (their own, or the peer's). */
export function kvTokenFrom(s: LocalCloudSettings, caller: Region, db: Region): string {
  return caller === db ? s.kvTokens[db] : `${s.kvTokens[db]}-from-${caller}`
}

/**
 * Each region's functions sign AWS requests with their own access key id (`localA`, `localB`;
 * DynamoDB Local accepts letters and digits only), so the Scheduler fakes can tell the other
 * region's calls apart.
 */
export function awsAccessKeyOf(region: Region): string {
  return `local${region.toUpperCase()}`
}

/** Region `r`'s table endpoint: its own replica under `mrec`, the one table under `mrsc`. */
export function tableEndpoint(s: LocalCloudSettings, r: Region): string {
  return `http://127.0.0.1:${r === 'a' ? s.dynamoPort : s.dynamoPortB}`
}

/**
 * `edgeUrl` is where the region's functions reach the edge: the gateway's counting edge hop in
 * the local cloud (see gateway), the edge entry itself when not given.
 */
export function functionBindings(
  s: LocalCloudSettings,
  region: Region,
  edgeUrl?: string
): Record<string, string> {
  const peer = peerOf(region)
  const url = (p: number) => `http://127.0.0.1:${p}`
  return {
    // Development defaults (HOP_SECRET, tokens) are accepted only here (shared/config/secrets).
    EDGEWATER_ENV: 'local',
    REGION: region,
    HOME_DOMAIN: s.homeDomain,
    HOP_SECRET: s.hopSecret,
    FUNCTION_URLS: JSON.stringify(functionUrlsFrom(s, region)),
    FUNCTION_URL_ALIASES: JSON.stringify(peerIngressUrls(s, region)),
    EDGE_URL: edgeUrl ?? url(s.edgePorts[region]),
    KV_URL: url(s.kvPorts[region]),
    KV_TOKEN: s.kvTokens[region],
    KV_REMOTE_URL: url(s.kvPorts[peer]),
    KV_REMOTE_TOKEN: kvTokenFrom(s, region, peer),
    DYNAMO_TABLE: 'edgewater',
    DYNAMO_REGION: s.awsRegions[region],
    DYNAMO_ENDPOINT: tableEndpoint(s, region),
    SCHEDULER_ENDPOINT: url(s.schedulerPorts[region]),
    SCHEDULER_REMOTE_ENDPOINT: url(s.schedulerPorts[peer]),
    SCHEDULER_REGION: s.awsRegions[region],
    SCHEDULER_REMOTE_REGION: s.awsRegions[peer],
    SCHEDULER_GROUP,
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/edgewater-scheduler',
    TIMERS_TARGET_ARN: timersArn(region, s.awsRegions[region]),
    TIMERS_REMOTE_TARGET_ARN: timersArn(peer, s.awsRegions[peer]),
    AWS_ACCESS_KEY_ID: awsAccessKeyOf(region),
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
    SIGNUP_CODE: s.signupCode,
    ELLIS_API_KEY: s.ellisApiKey,
    ELLIS_COOKIE_SECRET: s.ellisCookieSecret,
    TRUST_CLOCK_HEADER: '1',
    LOG_LEVEL: s.logLevel,
    ...s.kvResync,
    // Sprout's test application server (functions/sprout/test-as.ts), named for iFCs.
    SPROUT_TEST_AS: '1',
    AS_URLS: JSON.stringify({
      test: `${functionUrls(s)[region].sprout}/test-as/sip`,
      'test-fail': `${functionUrls(s)[region].sprout}/test-as/sip?mode=fail`,
      // The call application servers (functions/sprout/test-as/call-as.ts).
      ...Object.fromEntries(
        CALL_TEST_AS.map((n) => [n, `${functionUrls(s)[region].sprout}/test-as/${n}/sip`])
      ),
      // Another S-CSCF pool's peer (other-pool-bindings.ts, docs/routing.md).
      ...localOtherPoolPeers(s),
    }),
    // The local SIP trunk and the BGCF routes to it (trunk-bindings.ts, docs/trunk.md).
    ...localTrunkBindings(s),
    // Charging records need a CCF; the HSS names none locally.
    CDF_IDENTITY: `cdf.${s.homeDomain}`,
  }
}

/**
 * How long the local edges skip a region after a transport failure (`BREAKER_OPEN_MS`, 30 s in a
 * deployment). A downed local region resets connections at once, so retrying it sooner costs
 * nothing, and a region brought back up serves its edge again within this window: tests that
 * bring a region up wait it out (test/support/cloud.ts) instead of sending the next file's
 * traffic through the other region for half a minute.
 */
export const LOCAL_EDGE_BREAKER_OPEN_MS = 2_000

/**
 * `edgeUrl` is the address this region's functions reach the edge entry by (their `EDGE_URL`),
 * which the edge accepts as a trusted-zone target besides its own port.
 */
export function edgeBindings(
  s: LocalCloudSettings,
  region: Region,
  edgeUrl?: string
): Record<string, string> {
  return {
    EDGEWATER_ENV: 'local',
    HOME_REGION: region,
    FUNCTION_URLS: JSON.stringify(functionUrls(s)),
    HOP_SECRET: s.hopSecret,
    FLOW_TOKEN_SECRET: s.flowTokenSecret,
    ...(edgeUrl ? { EDGE_URL: edgeUrl } : {}),
    HOME_DOMAIN: s.homeDomain,
    // No TLS here: a connection to `/sip?tls=loopback` counts as one (edge/protected-flow.ts).
    EDGE_LOOPBACK_TLS: '1',
    BREAKER_OPEN_MS: String(LOCAL_EDGE_BREAKER_OPEN_MS),
  }
}
