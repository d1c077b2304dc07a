/**
 * @module ims/simservs-default
 * The simservs document written for every new number (clearwater-interfaces §1.6): OIP on, OIR
 * on with presentation not restricted, CDIV on with a 30 s no-reply timer and no rules, and both
 * barring services on with one rule allowing every call.
 */
import { COMMON_POLICY_NS, SIMSERVS_NS } from './simservs-model'

export const DEFAULT_SIMSERVS_XML = `<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="${SIMSERVS_NS}" xmlns:cp="${COMMON_POLICY_NS}">
  <originating-identity-presentation active="true"/>
  <originating-identity-presentation-restriction active="true">
    <default-behaviour>presentation-not-restricted</default-behaviour>
  </originating-identity-presentation-restriction>
  <communication-diversion active="true">
    <NoReplyTimer>30</NoReplyTimer>
    <cp:ruleset/>
  </communication-diversion>
  <incoming-communication-barring active="true">
    <cp:ruleset>
      <cp:rule id="rule0">
        <cp:conditions/>
        <cp:actions><allow>true</allow></cp:actions>
      </cp:rule>
    </cp:ruleset>
  </incoming-communication-barring>
  <outgoing-communication-barring active="true">
    <cp:ruleset>
      <cp:rule id="rule0">
        <cp:conditions/>
        <cp:actions><allow>true</allow></cp:actions>
      </cp:rule>
    </cp:ruleset>
  </outgoing-communication-barring>
</simservs>
`
